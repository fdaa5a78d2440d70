-- +goose Up
-- The spine: where offices are, what their probes check, and the raw results.
--
-- Distribution (docs/scaling.md): provinces, offices and document catalogues are
-- small reference tables; every large table carries office_code and has it in
-- its primary key, so the schema can be distributed by office on Citus.

CREATE TABLE provinces (
    code        text PRIMARY KEY CHECK (code ~ '^[0-9]{2}$'),
    name        text NOT NULL,
    capital     text NOT NULL DEFAULT '',
    tz          text NOT NULL,            -- IANA zone of the capital (Asia/Makassar…)
    lat         double precision,
    lon         double precision,
    population  bigint
);

CREATE TABLE offices (
    code          text PRIMARY KEY CHECK (code ~ '^[0-9]{2}\.[0-9]{2}$'),  -- Kemendagri code, 73.71
    name          text NOT NULL,
    province_code text NOT NULL REFERENCES provinces (code),
    kind          text NOT NULL CHECK (kind IN ('kota', 'kabupaten')),
    tz            text NOT NULL,          -- IANA zone; reports show WIB/WITA/WIT from it
    lat           double precision,
    lon           double precision,
    population    bigint,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX offices_province_idx ON offices (province_code);

-- A target is one thing an office's probe checks. spec is the probe.Target the
-- agent receives (check options such as expected status live there); the
-- columns beside it are what the server queries on.
CREATE TABLE targets (
    office_code       text NOT NULL REFERENCES offices (code),
    id                bigint GENERATED ALWAYS AS IDENTITY,
    name              text NOT NULL,
    kind              text NOT NULL CHECK (kind IN ('central', 'internet')),
    check_type        text NOT NULL CHECK (check_type IN ('tcp', 'http', 'tls', 'dns', 'icmp')),
    address           text NOT NULL,
    spec              jsonb NOT NULL,
    interval_seconds  integer NOT NULL DEFAULT 30 CHECK (interval_seconds > 0),
    fail_threshold    integer NOT NULL DEFAULT 3 CHECK (fail_threshold > 0),
    recover_threshold integer NOT NULL DEFAULT 2 CHECK (recover_threshold > 0),
    silence_after     integer NOT NULL DEFAULT 3 CHECK (silence_after > 0),  -- in intervals
    created_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (office_code, id),
    UNIQUE (office_code, name)
);

-- A probe is one agent at one office. Its token is pt_<office>_<id>_<secret>;
-- only the SHA-256 of the whole token is stored (the secret is 32 random bytes,
-- so a fast hash is safe). The office and id in the token make the lookup a
-- primary-key read that stays on one node when distributed.
CREATE TABLE probes (
    office_code     text NOT NULL REFERENCES offices (code),
    id              bigint GENERATED ALWAYS AS IDENTITY,
    name            text NOT NULL,
    token_hash      bytea NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    revoked_at      timestamptz,
    -- What the agent last reported about itself (every batch carries it).
    last_seen_at    timestamptz,
    agent_version   text NOT NULL DEFAULT '',
    agent_os        text NOT NULL DEFAULT '',
    agent_arch      text NOT NULL DEFAULT '',
    spool_depth     bigint NOT NULL DEFAULT 0,
    dropped         bigint NOT NULL DEFAULT 0,
    clock_offset_ms bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (office_code, id),
    UNIQUE (office_code, name)
);

-- Raw results, partitioned by day of observed_at (the probe's clock), so
-- retention drops a partition at a time and reports never scan a year of rows.
-- The primary key is the idempotency key: a re-delivered (probe, seq) is a
-- duplicate. It must include the partition column, hence observed_at.
CREATE TABLE results (
    office_code    text NOT NULL,
    probe_id       bigint NOT NULL,
    seq            bigint NOT NULL,
    observed_at    timestamptz NOT NULL,
    target_id      bigint NOT NULL,
    ok             boolean NOT NULL,
    failure        text CHECK (failure IN ('dns', 'connect', 'tls', 'http', 'timeout')),
    latency_ms     real NOT NULL,
    detail         text NOT NULL DEFAULT '',
    cert_days_left integer,
    received_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (office_code, probe_id, seq, observed_at),
    CHECK (ok = (failure IS NULL))
) PARTITION BY RANGE (observed_at);

-- Detection reads one (probe, target) series in event time.
CREATE INDEX results_series_idx ON results (office_code, probe_id, target_id, observed_at);

-- Ingest marks each (probe, target) series it touched with the earliest
-- observed_at it wrote, in the same transaction as the insert; the detector
-- re-evaluates from there. Late or shuffled results thus give exactly the
-- outages sorted results give, with a bounded delay and ingest staying cheap.
CREATE TABLE detection_queue (
    office_code text NOT NULL,
    probe_id    bigint NOT NULL,
    target_id   bigint NOT NULL,
    from_at     timestamptz NOT NULL,
    queued_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (office_code, probe_id, target_id)
);

-- +goose Down
DROP TABLE detection_queue;
DROP TABLE results;
DROP TABLE probes;
DROP TABLE targets;
DROP TABLE offices;
DROP TABLE provinces;
