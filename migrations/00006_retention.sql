-- +goose Up
-- Retention and rollups (api/retention, api/postgres/rollups.go).
--
-- Raw results live in daily partitions (00001) and are kept raw_days days,
-- dropped a partition at a time by the maintenance job. What reports and
-- charts read over months is result_rollups: one row per office, probe,
-- target and UTC hour, kept rollup_days days (0: for ever). At 10,000 service
-- points and two targets that is 480,000 rows a day instead of 57 million.

-- The one retention policy (a single row: id is always true), changed with
-- SetRetentionPolicy while the server runs; the job reads it every run.
CREATE TABLE retention_policy (
    id          boolean PRIMARY KEY DEFAULT true CHECK (id),
    raw_days    integer NOT NULL DEFAULT 90 CHECK (raw_days >= 2),
    rollup_days integer NOT NULL DEFAULT 0 CHECK (rollup_days >= 0),  -- 0 keeps rollups for ever
    updated_at  timestamptz NOT NULL DEFAULT now()
);
INSERT INTO retention_policy DEFAULT VALUES;

-- Hourly rollups. The key has probe_id because the series index of results
-- is (office_code, probe_id, target_id, observed_at): recomputing one hour of
-- one key is one index range scan in one partition. With one probe per office
-- (the plan) it is the same as per office and target; service points get
-- their own rows, which is what an operator wants to compare anyway.
--
-- Latency percentiles are over successful checks only (a failed check's
-- latency is mostly its timeout) and NULL in an hour with no success; they
-- are percentile_cont, i.e. linearly interpolated, as the property test
-- recomputes them.
CREATE TABLE result_rollups (
    office_code  text NOT NULL,
    probe_id     bigint NOT NULL,
    target_id    bigint NOT NULL,
    hour         timestamptz NOT NULL,   -- start of the UTC hour
    checks       integer NOT NULL CHECK (checks > 0),
    failures     integer NOT NULL CHECK (failures >= 0 AND failures <= checks),
    latency_p50  real,
    latency_p95  real,
    latency_p99  real,
    latency_max  real,
    refreshed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (office_code, probe_id, target_id, hour)
);
-- Province and national views read every office's hours of a period.
CREATE INDEX result_rollups_hour_idx ON result_rollups (hour);

-- Which raw rows have been rolled up, by arrival. Each refresh recomputes
-- every (office, probe, target, hour) that received a row with received_at in
-- [received_to - margin, now()) and then sets received_to = now(). Late
-- (spooled) results carry an old observed_at but a new received_at, so they
-- update exactly the hours they fall in. The margin covers ingest
-- transactions that began (received_at = their start) before a refresh and
-- committed after it.
CREATE TABLE rollup_progress (
    id          boolean PRIMARY KEY DEFAULT true CHECK (id),
    received_to timestamptz NOT NULL DEFAULT '-infinity'
);
INSERT INTO rollup_progress DEFAULT VALUES;

-- received_at follows insertion order inside each partition, so a BRIN index
-- finds a refresh's new rows for a few pages per partition and costs ingest
-- next to nothing (a btree would be a third index on the hottest table).
CREATE INDEX results_received_brin ON results USING brin (received_at) WITH (pages_per_range = 32);

-- +goose Down
DROP INDEX results_received_brin;
DROP TABLE rollup_progress;
DROP TABLE result_rollups;
DROP TABLE retention_policy;
