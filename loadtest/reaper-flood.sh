#!/usr/bin/env bash
# The session reaper after a cookieless flood: start Vigil (the jar, embedded PostgreSQL, loopback)
# with a short inactivity timeout and a live-session limit, open N new sessions (one cookieless
# decision each, SessionMemory), then every 5 s count the sessions still open in the read table and
# the CPU Vigil and its PostgreSQL have used, until none is open. Sessions still live end themselves
# on their tick; those passivated beyond the limit wait for the reaper, which wakes them batch by
# batch (reaper-batch, reaper-catch-up-pause).
#
# Usage: loadtest/reaper-flood.sh [jar [sessions]]   (default: target/vigil.jar 30000)
#   TIMEOUT [150s]: the inactivity timeout (longer than the flood, so the reaping follows it)
#   MAX_LIVE [10000]: vigil.sessions.max-live   MAX_WAIT [600]: seconds to wait for the reaping
# Prints one line per sample: seconds since the flood ended, open/all sessions, and the cumulative
# CPU ticks (1/100 s) of Vigil and of PostgreSQL (postmaster and its backends).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
JAR=$(realpath "${1:-$HERE/../target/vigil.jar}")
SESSIONS=${2:-30000}
[ -f "$JAR" ] || { echo "reaper-flood: no jar at $JAR (mvn -B -q package -DskipTests)" >&2; exit 2; }

mvn -B -q -f "$HERE/pom.xml" test-compile dependency:build-classpath \
  -Dmdep.outputFile="$HERE/target/classpath.txt" -Dmdep.includeScope=test >&2
CP="$HERE/target/test-classes:$(cat "$HERE/target/classpath.txt")"

port=$(shuf -i 20000-32700 -n 1)
cport=$((port + 1))
DATA=$(mktemp -d /tmp/vigil-reaper.XXXXXX)
VPID=""
cleanup() {
  [ -n "$VPID" ] && kill "$VPID" 2>/dev/null && wait "$VPID" 2>/dev/null
  rm -rf "$DATA"
}
trap cleanup EXIT

(
  cd "$DATA"
  exec env -u VIGIL_DB_URL -u VIGIL_DB_USER -u VIGIL_DB_PASSWORD \
    VIGIL_HTTP_INTERFACE=127.0.0.1 VIGIL_HTTP_PORT="$port" \
    VIGIL_CLUSTER_HOST=127.0.0.1 VIGIL_CLUSTER_PORT="$cport" VIGIL_CLUSTER_SEED_NODES= \
    VIGIL_DB_DATA_DIR="$DATA/pg" VIGIL_DB_EMBEDDED_PORT=0 VIGIL_DETECTION_DECIDE_TIMEOUT=2s \
    VIGIL_SESSION_INACTIVITY_TIMEOUT="${TIMEOUT:-150s}" VIGIL_SESSION_MAX_LIVE="${MAX_LIVE:-10000}" \
    java -jar "$JAR" serve
) > "$DATA/vigil.log" 2>&1 &
VPID=$!
for _ in $(seq 1 180); do
  curl -sf "http://127.0.0.1:$port/ready" > /dev/null 2>&1 && break
  kill -0 "$VPID" 2>/dev/null || { tail -20 "$DATA/vigil.log" >&2; exit 1; }
  sleep 1
done
key=$(grep -o 'vsk_[A-Za-z0-9_-]*' "$DATA/vigil.log" | head -1)
admin=$(grep -o 'vgt_[A-Za-z0-9_-]*' "$DATA/vigil.log" | head -1)
PM=$(head -1 "$DATA/pg/postmaster.pid")
PGPORT=$(sed -n 4p "$DATA/pg/postmaster.pid")

ticks() { # utime + stime of a process and its children (PostgreSQL's backends)
  local t=0 p
  for p in "$1" $(pgrep -P "$1"); do
    t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat" 2> /dev/null || echo 0)))
  done
  echo "$t"
}
sessions() {
  psql -h 127.0.0.1 -p "$PGPORT" -U postgres -d vigil -Atc \
    "SELECT count(*) FILTER (WHERE ended_at IS NULL) || '/' || count(*) FROM sessions"
}

echo "reaper-flood: $SESSIONS new sessions, inactivity timeout ${TIMEOUT:-150s}, max-live ${MAX_LIVE:-10000}"
java -cp "$CP" dev.vigil.loadtest.SessionMemory "http://127.0.0.1:$port" "$admin" "$key" "$VPID" \
  "$DATA" "$SESSIONS" 5000 64 2>&1 | grep 'new sessions answered' || true
start=$(date +%s)
while :; do
  now=$(date +%s)
  counts=$(sessions)
  echo "reaper-flood: +$((now - start)) s open/all $counts vigil $(ticks "$VPID") postgres $(ticks "$PM")"
  [ "${counts%%/*}" = 0 ] && break
  [ $((now - start)) -ge "${MAX_WAIT:-600}" ] && { echo "reaper-flood: still open after ${MAX_WAIT:-600} s"; exit 1; }
  sleep 5
done
