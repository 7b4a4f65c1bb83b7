-- Bot defense read tables (written only by the fingerprints projection) and the observations fact
-- table (written only by the append writer).

ALTER TABLE sessions ADD COLUMN fingerprint_id TEXT;
ALTER TABLE sessions ADD COLUMN classified_at TIMESTAMPTZ;
CREATE INDEX sessions_fingerprint_idx ON sessions (fingerprint_id, started_at DESC);
CREATE INDEX sessions_site_class_idx ON sessions (site_id, class, started_at DESC);

CREATE TABLE fingerprints (
  fingerprint_id TEXT PRIMARY KEY,
  site_id TEXT NOT NULL,
  first_seen_at TIMESTAMPTZ NOT NULL,
  last_seen_at TIMESTAMPTZ NOT NULL,
  -- normal | warning | severe | blocked; pinned_level is an admin override
  level TEXT NOT NULL DEFAULT 'normal',
  pinned_level TEXT,
  -- 0..100, starts at 50; each escalation costs 10, each cooldown gives 5 back
  reputation INTEGER NOT NULL DEFAULT 50,
  immediate_class TEXT,
  immediate_name TEXT,
  bot BOOLEAN NOT NULL DEFAULT FALSE,
  score INTEGER NOT NULL DEFAULT 0,
  reasons TEXT[] NOT NULL DEFAULT '{}',
  sessions INTEGER NOT NULL DEFAULT 0,
  requests BIGINT NOT NULL DEFAULT 0,
  escalations INTEGER NOT NULL DEFAULT 0,
  updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX fingerprints_site_level_idx ON fingerprints (site_id, level);
CREATE INDEX fingerprints_site_escalations_idx ON fingerprints (site_id, escalations DESC);

CREATE TABLE throttle_events (
  id BIGSERIAL PRIMARY KEY,
  fingerprint_id TEXT NOT NULL,
  site_id TEXT NOT NULL,
  from_level TEXT NOT NULL,
  to_level TEXT NOT NULL,
  reason TEXT NOT NULL,
  at TIMESTAMPTZ NOT NULL
);
CREATE INDEX throttle_events_site_at_idx ON throttle_events (site_id, at);
CREATE INDEX throttle_events_fingerprint_idx ON throttle_events (fingerprint_id, at);

CREATE TABLE observations (
  observation_id TEXT NOT NULL,
  site_id TEXT NOT NULL,
  session_id TEXT NOT NULL,
  fingerprint_id TEXT NOT NULL,
  -- decision: asked before serving; observation: reported after serving (status, latency)
  source TEXT NOT NULL,
  ts TIMESTAMPTZ NOT NULL,
  ip TEXT,
  method TEXT,
  host TEXT,
  path TEXT,
  user_agent TEXT,
  status SMALLINT,
  latency_ms INTEGER,
  action TEXT,
  PRIMARY KEY (observation_id, ts)
) PARTITION BY RANGE (ts);
CREATE INDEX observations_site_ts_idx ON observations (site_id, ts);
CREATE INDEX observations_fingerprint_ts_idx ON observations (fingerprint_id, ts);
SELECT vigil_ensure_day_partitions('observations', current_date - 2, 10);
