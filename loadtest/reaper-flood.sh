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

start_vigil reaper \
  VIGIL_SESSION_INACTIVITY_TIMEOUT="${TIMEOUT:-150s}" VIGIL_SESSION_MAX_LIVE="${MAX_LIVE:-10000}"

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
