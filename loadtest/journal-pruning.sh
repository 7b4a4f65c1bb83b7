#!/usr/bin/env bash
# What pruning leaves of ended sessions in the store: start Vigil (the jar, embedded PostgreSQL,
# loopback) with a short inactivity timeout, open N new sessions (one cookieless decision each,
# SessionMemory in its flood-only mode), wait until every one has ended, and count the sessions'
# journal, tag and snapshot rows and their bytes (pg_column_size of each row: the data, not the
# indexes); then wait until every ended session is compacted (vigil.sessions.pruning) and count
# them again. Both counts come from the same sessions in the same run.
#
# Usage: loadtest/journal-pruning.sh [jar [sessions]]   (default: target/vigil.jar 20000)
#   TIMEOUT [20s]: the inactivity timeout   COMPACT_AFTER [180s]: compact-ended-after (longer than
#   the flood and the timeout, so the first count sees no session compacted yet; it says how many)
#   MAX_WAIT [900]: seconds to wait for each of the two states
# Prints both counts, per table and per session, and the CPU ticks (1/100 s) Vigil and its
# PostgreSQL used between them (the compaction, with the sessions' idle ticks: none is live by then).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
JAR=$(realpath "${1:-$HERE/../target/vigil.jar}")
SESSIONS=${2:-20000}
[ -f "$JAR" ] || { echo "journal-pruning: no jar at $JAR (mvn -B -q package -DskipTests)" >&2; exit 2; }

. "$HERE/lib.sh"
build_load_generator

start_vigil pruning \
  VIGIL_SESSION_INACTIVITY_TIMEOUT="${TIMEOUT:-20s}" \
  VIGIL_SESSION_COMPACT_ENDED_AFTER="${COMPACT_AFTER:-180s}" VIGIL_SESSION_PRUNING_INTERVAL=5s

sql() { psql -h 127.0.0.1 -p "$PGPORT" -U postgres -d vigil -Atc "$1"; }
# sessions in the journal not yet ended in the read table (no row, or an open one) / sessions
# whose journal holds more than their end
state() {
  sql "SELECT (SELECT count(DISTINCT persistence_id) FROM event_journal
          WHERE persistence_id LIKE 'Session|%')
        - (SELECT count(*) FROM sessions WHERE ended_at IS NOT NULL) || '/'
    || (SELECT count(*) FROM (SELECT 1 FROM event_journal WHERE persistence_id LIKE 'Session|%'
        GROUP BY persistence_id HAVING count(*) > 1) x)"
}
# rows and bytes of the sessions' journal, tags and snapshots
measure() {
  local label=$1 n=$2
  sql "SELECT 'journal', count(*), coalesce(sum(pg_column_size(j.*)), 0) FROM event_journal j
         WHERE persistence_id LIKE 'Session|%'
       UNION ALL SELECT 'tags', count(*), coalesce(sum(pg_column_size(t.*)), 0) FROM event_tag t
         WHERE tag LIKE 'session-%'
       UNION ALL SELECT 'snapshots', count(*), coalesce(sum(pg_column_size(s.*)), 0) FROM snapshot s
         WHERE persistence_id LIKE 'Session|%'" |
    awk -F'|' -v label="$label" -v n="$n" '
      { rows += $2; bytes += $3
        printf "journal-pruning: %s %-9s %8d rows %10d bytes (%.2f rows, %.0f bytes a session)\n",
          label, $1, $2, $3, $2 / n, $3 / n }
      END { printf "journal-pruning: %s all       %8d rows %10d bytes (%.2f rows, %.0f bytes a session)\n",
          label, rows, bytes, rows / n, bytes / n }'
}
wait_for() { # $1: the state to reach (awk test on open/uncompacted), $2: what it is
  local start now s
  start=$(date +%s)
  while :; do
    now=$(date +%s)
    s=$(state)
    if echo "$s" | awk -F/ "{ exit !($1) }"; then echo "$s"; return 0; fi
    [ $((now - start)) -ge "${MAX_WAIT:-900}" ] && { echo "journal-pruning: not $2 after ${MAX_WAIT:-900} s ($s)" >&2; return 1; }
    sleep 5
  done
}

echo "journal-pruning: $SESSIONS new sessions, inactivity timeout ${TIMEOUT:-20s}, compact-ended-after ${COMPACT_AFTER:-180s}"
java -Dmemory.floodOnly=true -cp "$CP" dev.vigil.loadtest.SessionMemory "http://127.0.0.1:$PORT" \
  "$admin" "$key" "$VPID" "$DATA" "$SESSIONS" 5000 64 > "$DATA/flood.log" 2>&1 \
  || { echo "journal-pruning: the flood failed" >&2; cat "$DATA/flood.log" >&2; exit 1; }
grep 'new sessions answered' "$DATA/flood.log"
n=$(sql "SELECT count(DISTINCT persistence_id) FROM event_journal WHERE persistence_id LIKE 'Session|%'")
[ "$n" -gt 0 ] || { echo "journal-pruning: no session was journaled" >&2; exit 1; }
s=$(wait_for '$1 == 0' "all ended")
ended=$(date +%s)
echo "journal-pruning: all $n sessions ended; $(( n - ${s#*/} )) of them compacted already"
measure ended "$n"
t0v=$(ticks "$VPID"); t0p=$(ticks "$PM" 1)
wait_for '$1 == 0 && $2 == 0' "all compacted" > /dev/null
echo "journal-pruning: all compacted $(( $(date +%s) - ended )) s after the last ended;" \
  "CPU ticks meanwhile: Vigil $(( $(ticks "$VPID") - t0v )), PostgreSQL $(( $(ticks "$PM" 1) - t0p ))"
measure compacted "$n"
