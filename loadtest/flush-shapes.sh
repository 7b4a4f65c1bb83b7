#!/usr/bin/env bash
# What a writer's flush of engagement rows costs in five shapes (FlushShapes): the multi-row
# INSERT … ON CONFLICT DO NOTHING Vigil uses, one INSERT … SELECT … FROM unnest(arrays) of the
# whole flush, COPY into a staging table then INSERT … SELECT …
# ON CONFLICT DO NOTHING, a plain COPY (no conflict handling: the lower bound), and the first once
# more with engagement rows' JSON as Vigil stored it before (every field repeated). Microseconds
# per stored row, one connection, one commit per flush, shapes alternated.
#
# With "ledger" first (LedgerColumns): a flush of ledger calls into ai_requests whose insert names
# all 43 columns, the 16 a typical call leaves empty bound as nulls, against one naming only the 27
# it fills; wall time and PostgreSQL's backend CPU per row (default: 512 rows a flush).
#
# With "sendbuffer" first (SendBufferSizes): Vigil's engagement insert with the JDBC driver's
# default 8 KiB send buffer, with maxSendBufferSize=65536, and with that and sendBufferSize=65536;
# wall time, the sending thread's CPU and PostgreSQL's backend CPU per row (default: 1,024 rows a
# flush, the largest statement the driver makes of the writer's flushes).
#
# Usage: loadtest/flush-shapes.sh [ledger|sendbuffer] [rows-per-flush [seconds [rounds]]]
#        (default: 500 rows, 512 with ledger, 1,024 with sendbuffer; 10 s; 3 rounds)
# Needs psql and a PostgreSQL on loopback: PGHOST [127.0.0.1] PGPORT [5432] PGUSER [postgres].
# It creates a scratch database with Vigil's migrations and drops it at the end.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export PGHOST=${PGHOST:-127.0.0.1} PGPORT=${PGPORT:-5432} PGUSER=${PGUSER:-postgres}
case "$PGHOST" in 127.*|localhost) ;; *) echo "flush-shapes: loopback only (PGHOST=$PGHOST)" >&2; exit 2 ;; esac
DB=vigil_flushshapes_$$
cleanup() { dropdb --if-exists "$DB" >/dev/null 2>&1 || true; }
trap cleanup EXIT

. "$HERE/lib.sh"
build_load_generator
createdb "$DB"
# in version order (V10 after V9, which a glob would put before V1)
for f in $(ls "$HERE"/../sql/V*__*.sql | sort -V); do
  psql -q -v ON_ERROR_STOP=1 -d "$DB" -f "$f" >/dev/null
done
psql -q -v ON_ERROR_STOP=1 -d "$DB" -c \
  "INSERT INTO sites (id, name, public_key, server_key_hash) VALUES ('bench', 'bench', 'pk', 'skh')" >/dev/null
MAIN=FlushShapes ROWS=500
if [ "${1:-}" = ledger ]; then MAIN=LedgerColumns ROWS=512; shift; fi
if [ "${1:-}" = sendbuffer ]; then MAIN=SendBufferSizes ROWS=1024; shift; fi
java -cp "$CP" "dev.vigil.loadtest.$MAIN" \
  "jdbc:postgresql://$PGHOST:$PGPORT/$DB" "$PGUSER" "${1:-$ROWS}" "${2:-10}" "${3:-3}"
