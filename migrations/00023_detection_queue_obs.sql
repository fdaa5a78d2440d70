-- +goose Up
-- The detection queue becomes append-only and carries what the detector
-- needs of the new results (api/postgres/detect_live.go).
--
-- Until now ingest upserted one row per series (ON CONFLICT DO UPDATE) and
-- the detector deleted it when it claimed the series, so an upload whose
-- series a detector was evaluating waited for that detector's commit; and
-- the detector then read the new results back from their partitions, which
-- cost it more than the rest of its work. Now each ingest adds one row per
-- series it wrote (keyed by that upload's first seq of the series: a seq is
-- stored once per probe), holding the observed_at, seq and ok of its new
-- results; nothing ingest writes can conflict with what a detector holds.
-- The detector takes every row of a series at once: the oldest queued_at
-- still says how long the series has waited.
--
-- Rows queued before this migration carry no observations (NULL arrays):
-- the detector reads their results from the table, as before.
ALTER TABLE detection_queue
    ADD COLUMN seq bigint NOT NULL DEFAULT -1,   -- the first seq of the series in its upload
    ADD COLUMN observed_at timestamptz[],
    ADD COLUMN seqs bigint[],
    ADD COLUMN oks boolean[];
ALTER TABLE detection_queue ALTER COLUMN seq DROP DEFAULT;
ALTER TABLE detection_queue DROP CONSTRAINT detection_queue_pkey;
ALTER TABLE detection_queue ADD PRIMARY KEY (office_code, probe_id, target_id, seq);

-- +goose Down
-- Back to one row per series, with its earliest observation and first
-- queued time.
CREATE TEMPORARY TABLE detection_queue_old AS
SELECT office_code, probe_id, target_id, min(from_at) AS from_at, min(queued_at) AS queued_at
FROM detection_queue GROUP BY 1, 2, 3;
DELETE FROM detection_queue;
ALTER TABLE detection_queue DROP CONSTRAINT detection_queue_pkey;
ALTER TABLE detection_queue DROP COLUMN seq, DROP COLUMN observed_at, DROP COLUMN seqs, DROP COLUMN oks;
ALTER TABLE detection_queue ADD PRIMARY KEY (office_code, probe_id, target_id);
INSERT INTO detection_queue (office_code, probe_id, target_id, from_at, queued_at)
SELECT office_code, probe_id, target_id, from_at, queued_at FROM detection_queue_old;
DROP TABLE detection_queue_old;
