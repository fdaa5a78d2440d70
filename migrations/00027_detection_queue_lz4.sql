-- +goose Up
-- The detection queue's observation arrays (about 500 elements per series
-- in an upload of 1,000 results, 8 KB) are larger than a row may be in
-- line, so PostgreSQL compressed them with pglz on every ingest: 5 % of
-- the database's CPU under bulk ingest. lz4 compresses them several times
-- faster and reads back faster too (docs/scaling.md, issue 14). Rows
-- already queued keep their pglz values; both are read the same way.
ALTER TABLE detection_queue
    ALTER COLUMN observed_at SET COMPRESSION lz4,
    ALTER COLUMN seqs SET COMPRESSION lz4,
    ALTER COLUMN oks SET COMPRESSION lz4;

-- +goose Down
ALTER TABLE detection_queue
    ALTER COLUMN observed_at SET COMPRESSION default,
    ALTER COLUMN seqs SET COMPRESSION default,
    ALTER COLUMN oks SET COMPRESSION default;
