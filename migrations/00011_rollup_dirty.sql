-- +goose Up
-- Rollups touch only the hours that changed (api/postgres/rollups.go).
--
-- Until now each refresh found its work by reading every row received since
-- the last refresh less a 5-minute margin (a BRIN index on received_at), so
-- once a minute it recomputed every series-hour that got a row in the last
-- six minutes: at 10,000 service points that is every active series-hour,
-- 20,000 and more, each minute. Instead ingest marks the (office, probe,
-- target, hour) it wrote, in its own transaction, and the refresher takes
-- the marks of closed hours only: an hour is computed once when it has
-- closed, and again only when late (spooled) results land in it.
--
-- Ingest upserts its marks with DO UPDATE (a row lock, not DO NOTHING), and
-- the refresher takes marks FOR UPDATE SKIP LOCKED: a mark held by an
-- ingest transaction still open is left for the next run, and a mark the
-- refresher deleted first is inserted again by that ingest (it waits for
-- the delete). So no committed row is ever left out of its hour's rollup,
-- and neither side waits on the other.
CREATE TABLE rollup_dirty (
    office_code text NOT NULL,
    probe_id    bigint NOT NULL,
    target_id   bigint NOT NULL,
    hour        timestamptz NOT NULL,   -- start of the UTC hour
    PRIMARY KEY (office_code, probe_id, target_id, hour)
);

-- What the old refresh would have read next.
INSERT INTO rollup_dirty (office_code, probe_id, target_id, hour)
SELECT DISTINCT office_code, probe_id, target_id, date_trunc('hour', observed_at, 'UTC')
FROM results
WHERE received_at >= (SELECT received_to FROM rollup_progress) - interval '5 minutes';

-- No query reads received_at by range any more.
DROP INDEX results_received_brin;
DROP TABLE rollup_progress;

-- +goose Down
CREATE TABLE rollup_progress (
    id          boolean PRIMARY KEY DEFAULT true CHECK (id),
    received_to timestamptz NOT NULL DEFAULT '-infinity'
);
INSERT INTO rollup_progress DEFAULT VALUES;
CREATE INDEX results_received_brin ON results USING brin (received_at) WITH (pages_per_range = 32);
DROP TABLE rollup_dirty;
