-- Per-key budgets (requests and model tokens per period) and their usage per period window.
-- New tables only: the previous release neither reads nor writes them.
CREATE TABLE api_key_budgets (
  api_key_id      uuid PRIMARY KEY REFERENCES api_keys (id) ON DELETE CASCADE,
  period          text NOT NULL CHECK (period IN ('hour', 'day', 'month')),
  -- NULL: not limited
  requests_limit  bigint CHECK (requests_limit >= 0),
  tokens_limit    bigint CHECK (tokens_limit >= 0),
  updated_at      timestamptz NOT NULL DEFAULT now()
);

-- The durable count of each key's usage in one period window (window_start: its UTC start).
CREATE TABLE api_key_usage (
  api_key_id    uuid NOT NULL REFERENCES api_keys (id) ON DELETE CASCADE,
  window_start  timestamptz NOT NULL,
  requests      bigint NOT NULL DEFAULT 0,
  tokens        bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (api_key_id, window_start)
);
