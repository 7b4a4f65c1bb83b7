-- Anomalies: thresholds ops can edit, and one row per anomaly (written only by projections of the
-- entities that own the metric's subject: fingerprints, sites, users, ledger budgets).

CREATE TABLE anomaly_thresholds (
  metric TEXT PRIMARY KEY,
  -- static floors: a value must reach the floor AND the multiple of its baseline
  warning_floor DOUBLE PRECISION NOT NULL CHECK (warning_floor >= 0),
  critical_floor DOUBLE PRECISION NOT NULL,
  warning_multiple DOUBLE PRECISION NOT NULL CHECK (warning_multiple >= 1),
  critical_multiple DOUBLE PRECISION NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  updated_by TEXT,
  CHECK (critical_floor >= warning_floor),
  CHECK (critical_multiple >= warning_multiple)
);

-- The anchor's defaults (warning / critical), with the baseline multiples of the design.
INSERT INTO anomaly_thresholds
  (metric, warning_floor, critical_floor, warning_multiple, critical_multiple, description)
VALUES
  ('requests_per_minute', 15, 30, 2, 3, 'requests in one minute'),
  ('sessions_per_fingerprint', 5, 10, 2, 3, 'sessions started by one fingerprint in 24 h'),
  ('error_rate', 0.1, 0.25, 2, 3, 'share of observed responses with status >= 400 in one minute'),
  ('distinct_ips_per_fingerprint', 3, 10, 2, 3, 'distinct client IPs of one fingerprint in 24 h'),
  ('bot_share', 0.3, 0.6, 2, 3, 'share of a site''s sessions classed as bots in one minute'),
  ('cost_per_minute', 1000000, 5000000, 2, 3, 'AI cost in microdollars in one minute'),
  -- budgets: the value is spend / limit, so 1.0 is the limit itself
  ('cost', 1, 1, 1, 1, 'AI spend against a configured budget');

CREATE TABLE anomalies (
  anomaly_id TEXT PRIMARY KEY,
  site_id TEXT NOT NULL,
  -- fingerprint | user | site | agent | budget
  subject_kind TEXT NOT NULL,
  subject_id TEXT NOT NULL,
  metric TEXT NOT NULL,
  -- warning | critical
  level TEXT NOT NULL CHECK (level IN ('warning', 'critical')),
  value DOUBLE PRECISION NOT NULL,
  baseline DOUBLE PRECISION,
  threshold DOUBLE PRECISION NOT NULL,
  peak DOUBLE PRECISION NOT NULL,
  opened_at TIMESTAMPTZ NOT NULL,
  escalated_at TIMESTAMPTZ,
  closed_at TIMESTAMPTZ,
  acknowledged_by TEXT,
  acknowledged_at TIMESTAMPTZ,
  updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX anomalies_site_opened_idx ON anomalies (site_id, opened_at DESC);
CREATE INDEX anomalies_open_idx ON anomalies (site_id, level) WHERE closed_at IS NULL;
CREATE INDEX anomalies_subject_idx ON anomalies (subject_kind, subject_id, metric, opened_at DESC);
-- One open anomaly per (subject, metric).
CREATE UNIQUE INDEX anomalies_one_open_idx ON anomalies (subject_kind, subject_id, metric)
  WHERE closed_at IS NULL;
