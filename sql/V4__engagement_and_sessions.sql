-- Engagement beacons (append-only facts, written only by the append writer) and the sessions read
-- table (written only by the sessions projection).

-- Creates the daily range partitions [first_day, first_day + days) of a table partitioned by a
-- timestamptz column, in UTC days. Idempotent; serialised so that nodes starting together do not
-- race on CREATE TABLE.
CREATE OR REPLACE FUNCTION vigil_ensure_day_partitions(parent TEXT, first_day DATE, days INT)
RETURNS INT LANGUAGE plpgsql AS $$
DECLARE
  d DATE;
  created INT := 0;
  part TEXT;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('vigil_partitions'));
  FOR i IN 0 .. days - 1 LOOP
    d := first_day + i;
    part := parent || '_' || to_char(d, 'YYYYMMDD');
    IF to_regclass(part) IS NULL THEN
      EXECUTE format(
        'CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L)',
        part, parent, (d::timestamp AT TIME ZONE 'UTC'), ((d + 1)::timestamp AT TIME ZONE 'UTC'));
      created := created + 1;
    END IF;
  END LOOP;
  RETURN created;
END $$;

-- Drops the daily partitions of a table that end on or before cutoff_day (retention).
CREATE OR REPLACE FUNCTION vigil_drop_day_partitions(parent TEXT, cutoff_day DATE)
RETURNS INT LANGUAGE plpgsql AS $$
DECLARE
  r RECORD;
  dropped INT := 0;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('vigil_partitions'));
  FOR r IN
    SELECT c.relname
    FROM pg_inherits i
    JOIN pg_class c ON c.oid = i.inhrelid
    JOIN pg_class p ON p.oid = i.inhparent
    WHERE p.relname = parent
      AND c.relname ~ ('^' || parent || '_[0-9]{8}$')
      AND to_date(right(c.relname, 8), 'YYYYMMDD') < cutoff_day
  LOOP
    EXECUTE format('DROP TABLE %I', r.relname);
    dropped := dropped + 1;
  END LOOP;
  RETURN dropped;
END $$;

CREATE TABLE engagement_events (
  event_id TEXT NOT NULL,
  site_id TEXT NOT NULL,
  session_id TEXT NOT NULL,
  visitor_id TEXT,
  user_id TEXT,
  type TEXT NOT NULL,
  ts TIMESTAMPTZ NOT NULL,
  received_at TIMESTAMPTZ NOT NULL,
  url TEXT NOT NULL,
  host TEXT NOT NULL,
  path TEXT NOT NULL,
  referrer TEXT,
  referrer_host TEXT,
  title TEXT,
  content_id TEXT,
  utm_source TEXT,
  utm_medium TEXT,
  utm_campaign TEXT,
  utm_term TEXT,
  utm_content TEXT,
  -- page_exit / engagement numbers that reports aggregate (all of them are also in data)
  time_on_page_ms INTEGER,
  visible_ms INTEGER,
  focus_ms INTEGER,
  max_scroll_depth SMALLINT,
  clicks INTEGER,
  rage_clicks INTEGER,
  dead_clicks INTEGER,
  reading_pattern TEXT,
  -- conversion / custom
  goal TEXT,
  value BIGINT,
  name TEXT,
  -- from the sender's user agent
  device_class TEXT,
  browser TEXT,
  os TEXT,
  -- every validated field of the event's type
  data JSONB NOT NULL DEFAULT '{}',
  -- A retried event (same client id, same time) is stored once.
  PRIMARY KEY (event_id, ts)
) PARTITION BY RANGE (ts);

CREATE INDEX engagement_events_site_ts_idx ON engagement_events (site_id, ts);
CREATE INDEX engagement_events_session_ts_idx ON engagement_events (session_id, ts);

-- Beacons are accepted up to 24 h old and 5 min ahead: partitions for yesterday onwards must
-- exist; the node keeps a week ahead (PartitionMaintenance).
SELECT vigil_ensure_day_partitions('engagement_events', current_date - 2, 10);

CREATE TABLE sessions (
  session_id TEXT PRIMARY KEY,
  site_id TEXT NOT NULL,
  visitor_id TEXT,
  user_id TEXT,
  started_at TIMESTAMPTZ NOT NULL,
  last_seen_at TIMESTAMPTZ NOT NULL,
  ended_at TIMESTAMPTZ,
  landing_url TEXT,
  landing_path TEXT,
  referrer_host TEXT,
  utm_source TEXT,
  utm_medium TEXT,
  utm_campaign TEXT,
  device_class TEXT,
  browser TEXT,
  os TEXT,
  country TEXT,
  page_views INTEGER NOT NULL DEFAULT 0,
  requests INTEGER NOT NULL DEFAULT 0,
  beacons INTEGER NOT NULL DEFAULT 0,
  clicks INTEGER NOT NULL DEFAULT 0,
  rage_clicks INTEGER NOT NULL DEFAULT 0,
  dead_clicks INTEGER NOT NULL DEFAULT 0,
  time_on_page_ms BIGINT NOT NULL DEFAULT 0,
  max_scroll_depth SMALLINT NOT NULL DEFAULT 0,
  conversions INTEGER NOT NULL DEFAULT 0,
  -- human | known_bot | scanner | behavioural_bot | ghost (bot defense fills these in)
  class TEXT NOT NULL DEFAULT 'human',
  score INTEGER NOT NULL DEFAULT 0,
  reasons TEXT[] NOT NULL DEFAULT '{}',
  throttle_level TEXT,
  updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE INDEX sessions_site_started_idx ON sessions (site_id, started_at DESC);
CREATE INDEX sessions_site_last_seen_idx ON sessions (site_id, last_seen_at DESC);
-- The reaper looks for open sessions whose row has not changed for the inactivity timeout.
CREATE INDEX sessions_open_idx ON sessions (updated_at) WHERE ended_at IS NULL;
