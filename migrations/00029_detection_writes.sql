-- +goose Up
-- Indexes the detector's writes paid for and no query needs.
--
-- Two of outages' indexes go: each row the detector writes paid for them,
-- and at a national cut of 10,000 service points it writes 20,000 rows at
-- the cut and deletes and writes them again at the restoration, on the
-- cores ingest needs.
--
-- The GiST exclusion constraint (no two spans of a series overlap) cost
-- ~60 µs a row, ~5× the rest of the row's write. The detector now checks
-- the rule in the transaction that writes the spans
-- (postgres.spanRows.queueCheck: each span written against its neighbours
-- in the series, two primary-key probes), under the probe's advisory lock
-- that every writer of outages holds.
--
-- outages_office_time_idx (office_code, started_at) served no query the
-- primary key (office_code, probe_id, target_id, started_at) does not:
-- every reader selects an office's outages by office first, and an office
-- has a few series. The planner chose it for the detector's per-series
-- lookups and filtered the office's other series (5× slower a lookup).
ALTER TABLE outages DROP CONSTRAINT outages_office_code_probe_id_target_id_tstzrange_excl;
DROP INDEX outages_office_time_idx;

-- series_state_silence_idx (silent_at WHERE NOT silent) made every
-- checkpoint write a non-HOT update (silent_at moves with each result: a
-- new row version and an entry in both indexes, for each series at each
-- evaluation). The detector now looks for silences due once a tick (its
-- safety-net pass) by a scan of series_state, a few ms at 30,000 series,
-- and the rows keep room on their page for the next version.
DROP INDEX series_state_silence_idx;
ALTER TABLE series_state SET (fillfactor = 80);

-- +goose Down
ALTER TABLE series_state RESET (fillfactor);
CREATE INDEX series_state_silence_idx ON series_state (silent_at) WHERE NOT silent;
CREATE INDEX outages_office_time_idx ON outages (office_code, started_at);
ALTER TABLE outages ADD CONSTRAINT outages_office_code_probe_id_target_id_tstzrange_excl
    EXCLUDE USING gist (office_code WITH =, probe_id WITH =, target_id WITH =, tstzrange(started_at, ended_at) WITH &&);
