-- Retrieval experiments: the variant each audited search or answer ran under (docs/operations.md
-- "Retrieval experiments"). Expand-only: a nullable column; rows from before the experiment stay NULL.
ALTER TABLE query_audit ADD COLUMN variant text;
