-- +goose Up
-- Listing the detector's work (api/postgres/detect_queue.go, Work) takes
-- the series queued longest first. Without an index it grouped the whole
-- queue on every pass: at a national cut (10,000 probes, 10,000-30,000
-- rows queued) 54-59 ms a call at load 20, five calls a second, the
-- largest single cost of detection. With it a pass reads the oldest rows.
CREATE INDEX detection_queue_queued_idx ON detection_queue (queued_at);

-- +goose Down
DROP INDEX detection_queue_queued_idx;
