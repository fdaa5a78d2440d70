-- +goose Up
-- The promise deadline (DESIGN.md "the promise deadline") an incident's
-- Slack messages show while it is open: of its office, or the earliest of
-- its offices for a province or national message. Recomputed when a thread
-- opens and at each reminder; NULL when the model has nothing to say.
ALTER TABLE escalation_incidents ADD COLUMN promise jsonb;

-- +goose Down
ALTER TABLE escalation_incidents DROP COLUMN promise;
