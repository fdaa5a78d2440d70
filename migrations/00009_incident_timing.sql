-- +goose Up
-- Incidents under real timing (DESIGN.md "Incidents and alerts under real
-- timing"): whether an incident's end was already known when the detector
-- first stored it (created_at; late: reported once, never escalated), and
-- how often an office came back down within the re-open window (flaps > 0
-- is "tidak stabil").
ALTER TABLE incidents
    ADD COLUMN late boolean NOT NULL DEFAULT false,
    ADD COLUMN flaps integer NOT NULL DEFAULT 0 CHECK (flaps >= 0);

-- +goose Down
ALTER TABLE incidents DROP COLUMN flaps, DROP COLUMN late;
