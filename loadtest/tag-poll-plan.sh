#!/usr/bin/env bash
# What one projection poll costs PostgreSQL as the journal grows, planned the two ways a prepared
# statement can be: generic (what a pooled, prepared poll gets after five executions) and with its
# values (what Vigil's read-journal pool asks for: plan_cache_mode = force_custom_plan).
#
# The poll is pekko-persistence-jdbc's eventsByTag query, verbatim: it bounds the journal's
# ordering and joins event_tag on it. A poll that has caught up asks for the last 50 orderings.
#
# Usage: loadtest/tag-poll-plan.sh [events ...]   (default: 10000 100000 1000000)
# Needs psql and pgbench and a PostgreSQL on loopback: PGHOST [127.0.0.1] PGPORT [5432]
# PGUSER [postgres]. It creates a scratch database, fills a journal with Vigil's migrations V1 and
# V8 and drops the database at the end. SECONDS_PER_MODE [10] of pgbench per plan mode and size.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export PGHOST=${PGHOST:-127.0.0.1} PGPORT=${PGPORT:-5432} PGUSER=${PGUSER:-postgres}
case "$PGHOST" in 127.*|localhost|/*) ;; *) echo "tag-poll-plan: loopback only (PGHOST=$PGHOST)" >&2; exit 2 ;; esac
SIZES=("$@")
[ ${#SIZES[@]} -gt 0 ] || SIZES=(10000 100000 1000000)
SECS=${SECONDS_PER_MODE:-10}
DB=vigil_tagpoll_$$
WORK=$(mktemp -d)
cleanup() { dropdb --if-exists "$DB" >/dev/null 2>&1 || true; rm -rf "$WORK"; }
trap cleanup EXIT

createdb "$DB"
psql -q -v ON_ERROR_STOP=1 -d "$DB" -f "$HERE/../sql/V1__journal_and_snapshots.sql" \
  -f "$HERE/../sql/V8__event_tag_by_tag.sql" >/dev/null

# the plugin's query (pekko-persistence-jdbc 1.1, captured from pg_stat_activity under load)
cat > "$WORK/poll.sql" <<'SQL'
\set hi :maxord
\set lo :maxord - 50
select x2.x3, x2.x4, x2.x5, x2.x6, x2.x7, x2.x8, x2.x9, x2.x10, x2.x11, x2.x12, x2.x13, x2.x14, x2.x15 from (select "deleted" as x4, "meta_ser_id" as x14, "meta_ser_manifest" as x15, "sequence_number" as x6, "writer" as x7, "event_ser_manifest" as x12, "write_timestamp" as x8, "persistence_id" as x5, "adapter_manifest" as x9, "ordering" as x3, "event_payload" as x10, "event_ser_id" as x11, "meta_payload" as x13 from "event_journal" where "deleted" = false) x2, "event_tag" x16 where ((x16."tag" = 'session-0') and ((x2.x3 > :lo) and (x2.x3 <= :hi))) and (x2.x3 = x16."event_id") order by x2.x3 limit 500;
SQL

printf '%-12s %-20s %10s %12s\n' events plan polls/s "ms/poll"
have=0
for n in "${SIZES[@]}"; do
  # 12 tags, as Vigil's projections have (4 session, 4 fingerprint, 2 subject, 2 budget)
  psql -q -v ON_ERROR_STOP=1 -d "$DB" <<SQL >/dev/null
INSERT INTO event_journal (persistence_id, sequence_number, writer, write_timestamp,
  event_ser_id, event_ser_manifest, event_payload)
SELECT 'Session|s' || (g % 20000), g, 'w', 0, 1, 'E', decode(repeat('00', 200), 'hex')
FROM generate_series($((have + 1)), $n) g;
INSERT INTO event_tag (event_id, tag)
SELECT ordering, (ARRAY['session-0','session-1','session-2','session-3','fingerprint-0',
  'fingerprint-1','fingerprint-2','fingerprint-3','subject-0','subject-1','budget-0',
  'budget-1'])[1 + ordering % 12]
FROM event_journal WHERE ordering > $have;
VACUUM ANALYZE event_journal;
VACUUM ANALYZE event_tag;
SQL
  have=$n
  maxord=$(psql -At -d "$DB" -c "SELECT max(ordering) FROM event_journal")
  for mode in force_generic_plan force_custom_plan; do
    tps=$(PGOPTIONS="-c plan_cache_mode=$mode" pgbench -n -M prepared -c 1 -T "$SECS" \
      -D maxord="$maxord" -f "$WORK/poll.sql" "$DB" 2>/dev/null \
      | sed -n 's/^tps = \([0-9.]*\).*/\1/p')
    awk -v n="$n" -v m="${mode#force_}" -v t="$tps" 'BEGIN { printf "%-12s %-20s %10.0f %12.3f\n", n, m, t, 1000 / t }'
  done
done
