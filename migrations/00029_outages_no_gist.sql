-- +goose Up
-- No two spans of a series overlap: the detector checks it in the
-- transaction that writes them (postgres.spanRows.queueCheck: each span
-- written against the spans just before and after it in its series, two
-- primary-key probes), under the probe's advisory lock, which every
-- writer of outages holds. The GiST exclusion constraint that proved it
-- as well cost ~60 µs per inserted row (btree_gist on text, bigint and a
-- range), ~5× all the rest of an outage row's write: at a national cut
-- of 10,000 service points the detector writes 20,000 rows at the cut
-- and twice that at the restoration, on the cores ingest needs. Its
-- index also drew the planner from the primary key (detect_live.go).
ALTER TABLE outages DROP CONSTRAINT outages_office_code_probe_id_target_id_tstzrange_excl;

-- +goose Down
ALTER TABLE outages ADD CONSTRAINT outages_office_code_probe_id_target_id_tstzrange_excl
    EXCLUDE USING gist (office_code WITH =, probe_id WITH =, target_id WITH =, tstzrange(started_at, ended_at) WITH &&);
