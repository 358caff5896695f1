-- Query-audit retention: delete query_audit rows older than :retention_days days.
--   psql "$DATABASE_URL" -v retention_days=90 -f ops/sql/prune-query-audit.sql
-- Uses the query_audit_created_at_idx index; prints how many rows it deleted.
-- Exits non-zero (ON_ERROR_STOP) when retention_days is missing or not a positive integer.
\set ON_ERROR_STOP on
\if :{?retention_days}
\else
  DO $$ BEGIN RAISE EXCEPTION 'prune-query-audit: pass -v retention_days=N (N >= 1)'; END $$;
\endif
SELECT (:'retention_days'::integer >= 1) AS retention_ok \gset
\if :retention_ok
\else
  DO $$ BEGIN RAISE EXCEPTION 'prune-query-audit: retention_days must be >= 1'; END $$;
\endif

WITH deleted AS (
  DELETE FROM query_audit
  WHERE created_at < now() - make_interval(days => :'retention_days'::integer)
  RETURNING 1
)
SELECT count(*) AS deleted_rows, :'retention_days'::integer AS retention_days FROM deleted;
