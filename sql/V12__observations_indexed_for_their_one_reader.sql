-- Observations keep one secondary index, for the one query that reads them, instead of two that
-- every row paid for.
--
-- Every decision stores an observation row, so this is the table a decide-heavy node writes most:
-- under the bench's decide load PostgreSQL spent about 60 % of its statement time inserting
-- observations (pg_stat_statements; BENCHMARKS.md). Besides the key, each row went into
-- (site_id, ts) and (fingerprint_id, ts). Nothing reads the second; the only query on the table
-- in Vigil is the bot report's count of throttled and blocked decisions over a time range, for
-- some sites or all (BotQueries), and the first served it by reading every decision of the
-- range and filtering out the allowed ones, nearly all of them. A partial index of the throttled
-- and blocked decisions, by time and site, holds only the rows that query wants: an allowed
-- decision, the common case, now updates the key's index alone. Measured on this project's
-- PostgreSQL 15 (128-row inserts of observation rows, two clients): 57,000 rows a second with the
-- two indexes against 76,000-87,000 with the partial one; and the report's count over 14 hours
-- holding 500,000 decisions took 70 ms for one site and 125 ms for all sites, against 3 ms.
--
-- Upgrading: PostgreSQL cannot build an index of a partitioned table concurrently in one
-- statement (nor inside a migration's transaction), so the new index is built first, reading
-- every partition and holding off writes to the table while it does (the bot report can still
-- read); the old indexes are dropped after it, which locks the table until the migration commits,
-- a moment. On a large table run the upgrade in a quiet hour, as for V10 and V11.
CREATE INDEX IF NOT EXISTS observations_escalated_idx ON observations (ts, site_id)
  WHERE action IN ('throttle', 'block');
DROP INDEX IF EXISTS observations_fingerprint_ts_idx;
DROP INDEX IF EXISTS observations_site_ts_idx;
