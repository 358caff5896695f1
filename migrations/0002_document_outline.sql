-- Each document's outline: its blocks (heading, paragraph, list item, code, table row) as offsets into its
-- stored text, so the extractive answerer quotes whole sentences and list items and never a heading.
-- Nullable and without a default: documents stored before it have none and are answered line by line;
-- the previous release ignores the column.
ALTER TABLE documents ADD COLUMN outline jsonb;
