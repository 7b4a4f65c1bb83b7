-- Tenancy. A site is a tenant; API tokens belong to people and tools that read.
-- Secrets (server keys, bearer tokens) are stored only as SHA-256 hashes: they are 256-bit random
-- values, so a fast hash is enough (no dictionary to guard against) and lookups stay indexed.

CREATE TABLE sites (
  id TEXT PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9_-]{0,62}$'),
  name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  -- Public key used by the tracker in browsers: not a secret, it can only add beacons to its site.
  public_key TEXT NOT NULL UNIQUE,
  server_key_hash TEXT NOT NULL UNIQUE,
  -- Hosts whose pages may send beacons (CORS and url checks); empty = any host.
  allowed_hosts TEXT[] NOT NULL DEFAULT '{}',
  privacy_tier SMALLINT NOT NULL DEFAULT 1 CHECK (privacy_tier BETWEEN 1 AND 3),
  created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE api_tokens (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  token_hash TEXT NOT NULL UNIQUE,
  role TEXT NOT NULL CHECK (role IN ('admin', 'viewer')),
  -- true: every site, present and future; false: only the sites in api_token_sites.
  all_sites BOOLEAN NOT NULL DEFAULT FALSE,
  created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  revoked_at TIMESTAMPTZ
);

CREATE TABLE api_token_sites (
  token_id TEXT NOT NULL REFERENCES api_tokens (id) ON DELETE CASCADE,
  site_id TEXT NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
  PRIMARY KEY (token_id, site_id)
);
