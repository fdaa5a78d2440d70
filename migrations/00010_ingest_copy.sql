-- +goose Up
-- Ingest writes results with COPY (api/postgres/results.go). COPY has no
-- ON CONFLICT, so ingest must know beforehand which items are already
-- stored: max_seq is the largest seq ever stored for the probe, kept in the
-- same transaction as the rows (under the probe row's lock). A batch whose
-- seqs are all above it (every live upload) is new and goes straight in;
-- only items at or below it (re-deliveries, a spool replayed) are looked up.
-- It also lets ingest refuse a seq stored before with another observed_at,
-- which the primary key (it includes observed_at, the partition column)
-- cannot see.
ALTER TABLE probes ADD COLUMN max_seq bigint NOT NULL DEFAULT 0;
UPDATE probes p SET max_seq = m.seq
FROM (SELECT office_code, probe_id, max(seq) AS seq FROM results GROUP BY office_code, probe_id) m
WHERE m.office_code = p.office_code AND m.probe_id = p.id;

-- +goose Down
ALTER TABLE probes DROP COLUMN max_seq;
