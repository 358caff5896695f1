-- Slipway initial schema: every table the v1 service contract needs.
-- Forward-only: applied by `npm run migrate` (node-pg-migrate) before every blue/green swap.

CREATE TABLE collections (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name        text NOT NULL UNIQUE CHECK (name ~ '^[a-z0-9][a-z0-9_-]{1,62}$'),
  -- bumped by every ingest/delete; cache keys carry it so writes invalidate caches
  version     bigint NOT NULL DEFAULT 1,
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE documents (
  collection_id uuid NOT NULL REFERENCES collections (id) ON DELETE CASCADE,
  id            text NOT NULL,
  title         text,
  source        text,
  metadata      jsonb NOT NULL DEFAULT '{}'::jsonb,
  -- the normalised text every span and citation offset refers to
  text          text NOT NULL,
  sha256        text NOT NULL,
  chunk_count   integer NOT NULL DEFAULT 0,
  created_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (collection_id, id),
  UNIQUE (collection_id, sha256)
);

CREATE INDEX documents_metadata_idx ON documents USING gin (metadata jsonb_path_ops);

CREATE TABLE chunks (
  collection_id uuid NOT NULL,
  id            text NOT NULL,
  document_id   text NOT NULL,
  ordinal       integer NOT NULL,
  text          text NOT NULL,
  start_offset  integer NOT NULL CHECK (start_offset >= 0),
  end_offset    integer NOT NULL CHECK (end_offset > start_offset),
  tsv           tsvector GENERATED ALWAYS AS (to_tsvector('english', text)) STORED,
  PRIMARY KEY (collection_id, id),
  FOREIGN KEY (collection_id, document_id) REFERENCES documents (collection_id, id) ON DELETE CASCADE
);

CREATE INDEX chunks_tsv_idx ON chunks USING gin (tsv);
CREATE INDEX chunks_document_idx ON chunks (collection_id, document_id, ordinal);

CREATE TABLE api_keys (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name          text NOT NULL,
  -- HMAC-SHA256(pepper, key), hex; the key itself is never stored
  key_hash      text NOT NULL UNIQUE,
  -- first characters of the key, shown by `keys list` so a person can tell keys apart
  key_prefix    text NOT NULL,
  scopes        text[] NOT NULL CHECK (scopes <@ ARRAY['read', 'ingest', 'admin']::text[] AND cardinality(scopes) > 0),
  created_at    timestamptz NOT NULL DEFAULT now(),
  last_used_at  timestamptz,
  revoked_at    timestamptz
);

CREATE TABLE query_audit (
  id            bigserial PRIMARY KEY,
  collection_id uuid REFERENCES collections (id) ON DELETE SET NULL,
  api_key_id    uuid REFERENCES api_keys (id) ON DELETE SET NULL,
  request_id    text,
  kind          text NOT NULL CHECK (kind IN ('search', 'answer')),
  mode          text,
  query         text NOT NULL,
  result_count  integer NOT NULL DEFAULT 0,
  latency_ms    double precision NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX query_audit_created_at_idx ON query_audit (created_at);
