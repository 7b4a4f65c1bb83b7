#!/usr/bin/env bash
# The session reaper after a cookieless flood: start Vigil (the jar, embedded PostgreSQL, loopback)
# with a short inactivity timeout and a live-session limit, open N new sessions (one cookieless
# decision each, SessionMemory in its flood-only mode), then every 5 s count the sessions still open
# in the read table and the CPU Vigil and its PostgreSQL have used, until none is open. Sessions
# still live end themselves on their tick; those passivated beyond the limit wait for the reaper,
# which wakes them batch by batch (reaper-batch, reaper-catch-up-pause) once they are idle for
# the timeout.
#
# Usage: loadtest/reaper-flood.sh [jar [sessions]]   (default: target/vigil.jar 30000)
#   TIMEOUT [150s]: the inactivity timeout (longer than the flood, so the reaping follows it)
#   MAX_LIVE [10000]: vigil.sessions.max-live   MAX_WAIT [600]: seconds to wait for the reaping
# Prints the live entities when the flood ended, then one line per sample: seconds since the flood
# ended, open/all sessions in the read table, and the cumulative CPU ticks (1/100 s) of Vigil and of
# PostgreSQL (the postmaster, its live backends and those that have exited).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
JAR=$(realpath "${1:-$HERE/../target/vigil.jar}")
SESSIONS=${2:-30000}
[ -f "$JAR" ] || { echo "reaper-flood: no jar at $JAR (mvn -B -q package -DskipTests)" >&2; exit 2; }

. "$HERE/lib.sh"
build_load_generator

PORT=$(free_port)
CLUSTER_PORT=$(free_port "$PORT")
DATA=$(mktemp -d /tmp/vigil-reaper.XXXXXX)
VPID=""
PM=""
cleanup() {
  if [ -n "$VPID" ] && kill -0 "$VPID" 2> /dev/null; then
    kill "$VPID" 2> /dev/null || true
    for _ in $(seq 1 30); do kill -0 "$VPID" 2> /dev/null || break; sleep 1; done
    kill -9 "$VPID" 2> /dev/null || true
  fi
  # the embedded PostgreSQL stops with Vigil; if Vigil was killed, stop it before its directory goes
  if [ -n "$PM" ] && kill -0 "$PM" 2> /dev/null; then
    kill -INT "$PM" 2> /dev/null || true
    for _ in $(seq 1 30); do kill -0 "$PM" 2> /dev/null || break; sleep 1; done
  fi
  rm -rf "$DATA"
}
trap cleanup EXIT

(
  cd "$DATA"
  exec env -u VIGIL_DB_URL -u VIGIL_DB_USER -u VIGIL_DB_PASSWORD \
    VIGIL_HTTP_INTERFACE=127.0.0.1 VIGIL_HTTP_PORT="$PORT" \
    VIGIL_CLUSTER_HOST=127.0.0.1 VIGIL_CLUSTER_PORT="$CLUSTER_PORT" VIGIL_CLUSTER_SEED_NODES= \
    VIGIL_DB_DATA_DIR="$DATA/pg" VIGIL_DB_EMBEDDED_PORT=0 VIGIL_DETECTION_DECIDE_TIMEOUT=2s \
    VIGIL_SESSION_INACTIVITY_TIMEOUT="${TIMEOUT:-150s}" VIGIL_SESSION_MAX_LIVE="${MAX_LIVE:-10000}" \
    java -jar "$JAR" serve
) > "$DATA/vigil.log" 2>&1 &
VPID=$!
ready=0
for _ in $(seq 1 180); do
  kill -0 "$VPID" 2> /dev/null || { echo "reaper-flood: Vigil exited during start" >&2; tail -20 "$DATA/vigil.log" >&2; exit 1; }
  if curl -sf "http://127.0.0.1:$PORT/ready" > /dev/null 2>&1; then ready=1; break; fi
  sleep 1
done
[ "$ready" = 1 ] || { echo "reaper-flood: Vigil not ready after 180 s" >&2; exit 1; }
key=$(grep -o 'vsk_[A-Za-z0-9_-]*' "$DATA/vigil.log" | head -1 || true)
admin=$(grep -o 'vgt_[A-Za-z0-9_-]*' "$DATA/vigil.log" | head -1 || true)
[ -n "$key" ] && [ -n "$admin" ] || { echo "reaper-flood: no bootstrap keys in Vigil's output" >&2; exit 1; }
PM=$(head -1 "$DATA/pg/postmaster.pid")
PGPORT=$(sed -n 4p "$DATA/pg/postmaster.pid")

ticks() { # utime + stime of a process and its live children, + its exited children's (pass 1)
  local t=0 p
  t=$(awk -v all="${2:-0}" '{print $14 + $15 + (all ? $16 + $17 : 0)}' "/proc/$1/stat")
  for p in $(pgrep -P "$1"); do
    t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat" 2> /dev/null || echo 0)))
  done
  echo "$t"
}
sessions() {
  psql -h 127.0.0.1 -p "$PGPORT" -U postgres -d vigil -Atc \
    "SELECT count(*) FILTER (WHERE ended_at IS NULL) || '/' || count(*) FROM sessions"
}

echo "reaper-flood: $SESSIONS new sessions, inactivity timeout ${TIMEOUT:-150s}, max-live ${MAX_LIVE:-10000}"
java -Dmemory.floodOnly=true -cp "$CP" dev.vigil.loadtest.SessionMemory "http://127.0.0.1:$PORT" \
  "$admin" "$key" "$VPID" "$DATA" "$SESSIONS" 5000 64 > "$DATA/flood.log" 2>&1 \
  || { echo "reaper-flood: the flood failed" >&2; cat "$DATA/flood.log" >&2; exit 1; }
grep 'new sessions answered' "$DATA/flood.log"
start=$(date +%s)
while :; do
  now=$(date +%s)
  counts=$(sessions)
  echo "reaper-flood: +$((now - start)) s open/all $counts vigil $(ticks "$VPID") postgres $(ticks "$PM" 1)"
  [ "${counts#*/}" = 0 ] && { echo "reaper-flood: no session was stored" >&2; exit 1; }
  [ "${counts%%/*}" = 0 ] && break
  [ $((now - start)) -ge "${MAX_WAIT:-600}" ] && { echo "reaper-flood: still open after ${MAX_WAIT:-600} s" >&2; exit 1; }
  sleep 5
done
