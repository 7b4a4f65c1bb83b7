# Shared by the load-test scripts, which source it after setting HERE (this directory).

# Builds the load generator (its own Maven project; never Vigil's) and sets CP to its classpath.
build_load_generator() {
  mvn -B -q -f "$HERE/pom.xml" test-compile dependency:build-classpath \
    -Dmdep.outputFile="$HERE/target/classpath.txt" -Dmdep.includeScope=test >&2
  CP="$HERE/target/test-classes:$(cat "$HERE/target/classpath.txt")"
}

# A port below the kernel's ephemeral range (so no outgoing connection holds it) with no socket
# on it, and not $1 (a port already handed out).
free_port() {
  local p
  for _ in $(seq 1 100); do
    p=$(shuf -i 20000-32700 -n 1)
    if ! ss -Htan "( sport = :$p )" | grep -q . && [ "$p" != "${1:-}" ]; then
      echo "$p"; return 0
    fi
  done
  echo "${0##*/}: no free port" >&2; return 1
}

# Starts Vigil from $JAR on an embedded PostgreSQL in a new temporary directory
# (/tmp/vigil-$1.XXXXXX), loopback only, with the environment given after the name (VAR=value ...),
# and waits for /ready. Sets PORT, DATA, VPID, PM (the postmaster), PGPORT, key (the server key)
# and admin (the admin token); an EXIT trap stops Vigil and its PostgreSQL and removes DATA.
start_vigil() {
  local name=$1 ready=0
  shift
  PORT=$(free_port)
  local cluster_port
  cluster_port=$(free_port "$PORT")
  DATA=$(mktemp -d "/tmp/vigil-$name.XXXXXX")
  VPID=""
  PM=""
  trap stop_vigil EXIT
  (
    cd "$DATA"
    exec env -u VIGIL_DB_URL -u VIGIL_DB_USER -u VIGIL_DB_PASSWORD \
      VIGIL_HTTP_INTERFACE=127.0.0.1 VIGIL_HTTP_PORT="$PORT" \
      VIGIL_CLUSTER_HOST=127.0.0.1 VIGIL_CLUSTER_PORT="$cluster_port" VIGIL_CLUSTER_SEED_NODES= \
      VIGIL_DB_DATA_DIR="$DATA/pg" VIGIL_DB_EMBEDDED_PORT=0 VIGIL_DETECTION_DECIDE_TIMEOUT=2s \
      "$@" java -jar "$JAR" serve
  ) > "$DATA/vigil.log" 2>&1 &
  VPID=$!
  for _ in $(seq 1 180); do
    kill -0 "$VPID" 2> /dev/null || { echo "${0##*/}: Vigil exited during start" >&2; tail -20 "$DATA/vigil.log" >&2; return 1; }
    if curl -sf "http://127.0.0.1:$PORT/ready" > /dev/null 2>&1; then ready=1; break; fi
    sleep 1
  done
  [ "$ready" = 1 ] || { echo "${0##*/}: Vigil not ready after 180 s" >&2; return 1; }
  key=$(grep -o 'vsk_[A-Za-z0-9_-]*' "$DATA/vigil.log" | head -1 || true)
  admin=$(grep -o 'vgt_[A-Za-z0-9_-]*' "$DATA/vigil.log" | head -1 || true)
  [ -n "$key" ] && [ -n "$admin" ] || { echo "${0##*/}: no bootstrap keys in Vigil's output" >&2; return 1; }
  PM=$(head -1 "$DATA/pg/postmaster.pid")
  PGPORT=$(sed -n 4p "$DATA/pg/postmaster.pid")
}

# Stops what start_vigil started and removes its directory.
stop_vigil() {
  if [ -n "${VPID:-}" ] && kill -0 "$VPID" 2> /dev/null; then
    kill "$VPID" 2> /dev/null || true
    for _ in $(seq 1 30); do kill -0 "$VPID" 2> /dev/null || break; sleep 1; done
    kill -9 "$VPID" 2> /dev/null || true
  fi
  # the embedded PostgreSQL stops with Vigil; if Vigil was killed, stop it before its directory goes
  if [ -n "${PM:-}" ] && kill -0 "$PM" 2> /dev/null; then
    kill -INT "$PM" 2> /dev/null || true
    for _ in $(seq 1 30); do kill -0 "$PM" 2> /dev/null || break; sleep 1; done
  fi
  if [ -n "${DATA:-}" ]; then rm -rf "$DATA"; fi
}

# utime + stime (ticks of 1/100 s) of process $1 and its live children, + its exited children's
# when $2 is 1
ticks() {
  local t=0 p
  t=$(awk -v all="${2:-0}" '{print $14 + $15 + (all ? $16 + $17 : 0)}' "/proc/$1/stat")
  for p in $(pgrep -P "$1"); do
    t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat" 2> /dev/null || echo 0)))
  done
  echo "$t"
}
