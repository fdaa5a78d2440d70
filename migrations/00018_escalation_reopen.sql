-- +goose Up
-- The detector's re-open window (issue 11: outages of one office closer
-- than this continue one incident and one Slack thread) lives in the
-- escalation policy file beside the gather window; stored so a restart
-- without the file keeps it.
ALTER TABLE escalation_policy ADD COLUMN reopen_s integer NOT NULL DEFAULT 600 CHECK (reopen_s > 0);

-- +goose Down
ALTER TABLE escalation_policy DROP COLUMN reopen_s;
