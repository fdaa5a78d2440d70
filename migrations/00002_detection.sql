-- +goose Up
-- Detection: outages and unknown spans per (probe, target) series, the
-- per-series checkpoint that lets the detector resume without re-reading
-- raw results, incidents across offices, and maintenance windows.
--
-- Large tables (series_state, outages, incident_offices, incident_dirty)
-- carry office_code first in their primary key so they distribute by office
-- with results. incidents and maintenance_windows span offices and stay
-- small (a few rows a day): reference tables when distributed.

-- The exclusion constraint on outages needs = on text inside a GiST index.
CREATE EXTENSION IF NOT EXISTS btree_gist;

-- One row per series the detector has seen: the engine's state after the
-- last result it processed (detect.Checkpoint). New results later than
-- last_at resume from here; earlier ones (a spool) make the detector look
-- back to a known reset point in the raw results instead.
CREATE TABLE series_state (
    office_code  text NOT NULL,
    probe_id     bigint NOT NULL,
    target_id    bigint NOT NULL,
    first_at     timestamptz NOT NULL,      -- earliest result: before it the series is unknown
    last_at      timestamptz NOT NULL,
    last_seq     bigint NOT NULL,
    down         boolean NOT NULL,
    outage_start timestamptz,
    run          integer NOT NULL,
    run_start    timestamptz,
    -- When the tail turns unknown if nothing arrives (last_at + silence_after
    -- × interval), and whether the stored spans already show it: the
    -- silence pass picks rows due and not yet silent.
    silent_at    timestamptz NOT NULL,
    silent       boolean NOT NULL,
    evaluated_at timestamptz NOT NULL,
    PRIMARY KEY (office_code, probe_id, target_id),
    FOREIGN KEY (office_code, probe_id) REFERENCES probes (office_code, id),
    FOREIGN KEY (office_code, target_id) REFERENCES targets (office_code, id) ON DELETE CASCADE
);
CREATE INDEX series_state_silence_idx ON series_state (silent_at) WHERE NOT silent;

-- Down outages and unknown spans of one series, [started_at, ended_at);
-- ended_at is NULL while open. One table for both kinds so that replacing a
-- series' spans from a point in time is one DELETE and one INSERT, and one
-- exclusion constraint guarantees that no two spans of a series overlap,
-- whatever the detectors do (the advisory lock per probe is what keeps them
-- from trying; this is the proof). The primary key rules out duplicates.
CREATE TABLE outages (
    office_code text NOT NULL,
    probe_id    bigint NOT NULL,
    target_id   bigint NOT NULL,
    started_at  timestamptz NOT NULL,
    ended_at    timestamptz CHECK (ended_at > started_at),
    kind        text NOT NULL CHECK (kind IN ('down', 'unknown')),
    ended_by    text CHECK (ended_by IN ('recovery', 'silence', 'data')),
    -- central/local for down outages of a central target (decided from the
    -- internet reference of the same probe); local for an internet target;
    -- unknown for unknown spans and when the reference was not measured.
    cause       text NOT NULL CHECK (cause IN ('central', 'local', 'unknown')),
    target_kind text NOT NULL CHECK (target_kind IN ('central', 'internet')),  -- copied from targets for the incident query
    PRIMARY KEY (office_code, probe_id, target_id, started_at),
    CHECK ((ended_at IS NULL) = (ended_by IS NULL)),
    EXCLUDE USING gist (office_code WITH =, probe_id WITH =, target_id WITH =,
        tstzrange(started_at, ended_at) WITH &&)
);
-- Lists by office and period; open outages for the current state.
CREATE INDEX outages_office_time_idx ON outages (office_code, started_at);
CREATE INDEX outages_open_idx ON outages (office_code) WHERE ended_at IS NULL;
-- Incident grouping reads central-cause outages ending after a point.
CREATE INDEX outages_central_idx ON outages (ended_at)
    WHERE kind = 'down' AND cause = 'central' AND target_kind = 'central';

-- An incident groups overlapping central-cause outages across offices.
-- Its id is kept across recomputation (escalation threads hang on it): a
-- recomputed group takes the smallest id of the old incidents it overlaps
-- in time and offices.
CREATE TABLE incidents (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    started_at        timestamptz NOT NULL,
    ended_at          timestamptz,
    scope             text NOT NULL CHECK (scope IN ('office', 'province', 'national')),
    cause             text NOT NULL DEFAULT 'central' CHECK (cause = 'central'),
    province_code     text REFERENCES provinces (code),  -- when all offices are in one province
    peak_offices      integer NOT NULL,
    monitored_offices integer NOT NULL,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX incidents_time_idx ON incidents (started_at);
CREATE INDEX incidents_open_idx ON incidents (ended_at) WHERE ended_at IS NULL;

-- Each office's part in an incident: the union of its member outages.
CREATE TABLE incident_offices (
    office_code text NOT NULL REFERENCES offices (code),
    incident_id bigint NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    started_at  timestamptz NOT NULL,
    ended_at    timestamptz,
    PRIMARY KEY (office_code, incident_id, started_at)
);
CREATE INDEX incident_offices_incident_idx ON incident_offices (incident_id);

-- Offices whose central-cause outages changed from from_at on, waiting for
-- incident grouping. Written in the same transaction as the outages, so a
-- crash between the two steps loses nothing; one row per office so
-- detectors working on different offices never contend on it.
CREATE TABLE incident_dirty (
    office_code text PRIMARY KEY,
    from_at     timestamptz NOT NULL
);

-- Planned cut-offs. Shown on timelines, excluded from SLA; detection itself
-- ignores them (what was measured is kept).
CREATE TABLE maintenance_windows (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    scope         text NOT NULL CHECK (scope IN ('office', 'province', 'national')),
    office_code   text REFERENCES offices (code),
    province_code text REFERENCES provinces (code),
    starts_at     timestamptz NOT NULL,
    ends_at       timestamptz NOT NULL CHECK (ends_at > starts_at),
    reason        text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    CHECK ((scope = 'office') = (office_code IS NOT NULL)),
    CHECK ((scope = 'province') = (province_code IS NOT NULL))
);
CREATE INDEX maintenance_windows_time_idx ON maintenance_windows (ends_at, starts_at);

-- +goose Down
DROP TABLE maintenance_windows;
DROP TABLE incident_dirty;
DROP TABLE incident_offices;
DROP TABLE incidents;
DROP TABLE outages;
DROP TABLE series_state;
