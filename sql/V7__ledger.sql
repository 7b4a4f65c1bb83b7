-- AI ledger: model calls, tool runs and their full payloads (append-only facts, day-partitioned,
-- written only by the append writer), the price cards rows were priced with, and the budgets read
-- table (written only by the budgets projection). Budget crossings are rows of `anomalies` (V6).

-- Ids that lookups match by prefix are in the "C" collation: byte order, so that
-- `id >= prefix AND id < prefix || chr(127)` is an index range scan.
CREATE TABLE ai_requests (
  request_id TEXT COLLATE "C" NOT NULL,
  site_id TEXT NOT NULL,
  trace_id TEXT COLLATE "C" NOT NULL,
  span_id TEXT NOT NULL,
  parent_span_id TEXT,
  user_id TEXT,
  session_id TEXT,
  task_id TEXT COLLATE "C",
  context_id TEXT,
  client_id TEXT,
  agent TEXT,
  process_run_id TEXT,
  provider TEXT NOT NULL,
  model TEXT NOT NULL,
  requested_model TEXT,
  tier TEXT,
  cost_context TEXT,
  streaming BOOLEAN NOT NULL DEFAULT FALSE,
  -- excluded from every cost figure, budget and summary
  synthetic BOOLEAN NOT NULL DEFAULT FALSE,
  -- disjoint counts: input is uncached input only
  input_tokens INTEGER NOT NULL DEFAULT 0,
  output_tokens INTEGER NOT NULL DEFAULT 0,
  cache_read_tokens INTEGER NOT NULL DEFAULT 0,
  cache_write_5m_tokens INTEGER NOT NULL DEFAULT 0,
  cache_write_1h_tokens INTEGER NOT NULL DEFAULT 0,
  web_search_requests INTEGER NOT NULL DEFAULT 0,
  status TEXT NOT NULL CHECK (status IN ('completed', 'failed', 'rejected')),
  error_type TEXT,
  error_message TEXT,
  latency_ms INTEGER,
  time_to_first_token_ms INTEGER,
  started_at TIMESTAMPTZ NOT NULL,
  ended_at TIMESTAMPTZ,
  -- integer microdollars: tokens at the card's rates plus web searches; web_search_microdollars
  -- is the web-search part of it on its own line
  cost_microdollars BIGINT NOT NULL,
  web_search_microdollars BIGINT NOT NULL,
  price_card TEXT NOT NULL,
  -- the card entry (model id prefix) the row was priced by; null when unpriced
  price_key TEXT,
  -- false: no price for this model (or for a kind of usage it has); cost is then 0, never invented
  priced BOOLEAN NOT NULL,
  unpriced_reason TEXT,
  reported_cost_microdollars BIGINT,
  -- privacy tier 2 and up
  prompt_excerpt TEXT,
  -- privacy tier 3 (the full texts and bodies are in ledger_payloads)
  response_excerpt TEXT,
  received_at TIMESTAMPTZ NOT NULL,
  -- the write that stored the row: a repeat of the request id is told apart from the first write
  ingest_id TEXT NOT NULL,
  -- The caller's request id is the idempotency key, per site (one tenant cannot see or block
  -- another's ids); started_at is part of it because a unique key of a partitioned table must
  -- contain the partition key (a retry repeats the call's start).
  PRIMARY KEY (request_id, started_at, site_id)
) PARTITION BY RANGE (started_at);

CREATE INDEX ai_requests_trace_idx ON ai_requests (trace_id);
CREATE INDEX ai_requests_task_idx ON ai_requests (task_id) WHERE task_id IS NOT NULL;
CREATE INDEX ai_requests_site_started_idx ON ai_requests (site_id, started_at);

CREATE TABLE tool_executions (
  execution_id TEXT COLLATE "C" NOT NULL,
  site_id TEXT NOT NULL,
  trace_id TEXT COLLATE "C" NOT NULL,
  span_id TEXT NOT NULL,
  parent_span_id TEXT,
  ai_request_id TEXT,
  tool_name TEXT NOT NULL,
  server_name TEXT,
  user_id TEXT,
  session_id TEXT,
  task_id TEXT COLLATE "C",
  agent TEXT,
  status TEXT NOT NULL CHECK (status IN ('success', 'failed', 'timeout', 'denied')),
  error TEXT,
  started_at TIMESTAMPTZ NOT NULL,
  duration_ms INTEGER,
  synthetic BOOLEAN NOT NULL DEFAULT FALSE,
  -- privacy tier 2 and up
  input_excerpt TEXT,
  -- privacy tier 3
  output_excerpt TEXT,
  received_at TIMESTAMPTZ NOT NULL,
  ingest_id TEXT NOT NULL,
  PRIMARY KEY (execution_id, started_at, site_id)
) PARTITION BY RANGE (started_at);

CREATE INDEX tool_executions_trace_idx ON tool_executions (trace_id);
CREATE INDEX tool_executions_task_idx ON tool_executions (task_id) WHERE task_id IS NOT NULL;
CREATE INDEX tool_executions_site_started_idx ON tool_executions (site_id, started_at);

-- Full payloads of sites at privacy tier 3, apart from the rows so that they can be kept for a
-- shorter time and read only when asked for.
CREATE TABLE ledger_payloads (
  -- ai_request | tool_execution
  kind TEXT NOT NULL,
  id TEXT COLLATE "C" NOT NULL,
  site_id TEXT NOT NULL,
  started_at TIMESTAMPTZ NOT NULL,
  prompt TEXT,
  completion TEXT,
  input JSONB,
  output JSONB,
  PRIMARY KEY (kind, id, started_at, site_id)
) PARTITION BY RANGE (started_at);

SELECT vigil_ensure_day_partitions('ai_requests', current_date - 2, 10);
SELECT vigil_ensure_day_partitions('tool_executions', current_date - 2, 10);
SELECT vigil_ensure_day_partitions('ledger_payloads', current_date - 2, 10);

-- Every card a node has priced with, by version: a row's price_card names the rates it was priced
-- at, so past rows can be audited or re-priced. A version is never reused for other prices.
CREATE TABLE price_cards (
  version TEXT PRIMARY KEY,
  card JSONB NOT NULL,
  first_loaded_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Budget limits per subject (written only by the budgets projection from BudgetEntity's journal).
CREATE TABLE budgets (
  site_id TEXT NOT NULL,
  -- site | agent | user
  subject_kind TEXT NOT NULL,
  subject_id TEXT NOT NULL,
  day_limit_microdollars BIGINT,
  month_limit_microdollars BIGINT,
  updated_by TEXT,
  updated_at TIMESTAMPTZ NOT NULL,
  PRIMARY KEY (site_id, subject_kind, subject_id)
);
