-- +goose Up
-- Merged incidents (issue 11): when later data joins two incidents (two
-- province cuts becoming one national one, a late outage bridging two), the
-- survivor takes over the merged incident's threads, so a channel that has
-- a top message for the cut never gets a second one.

-- top_key: the idempotency key of the thread's top message when it is not
-- the thread's own incident:<id>:<channel>:open (a thread inherited from a
-- merged incident keeps the message, and so the key, Slack already has).
ALTER TABLE escalation_threads ADD COLUMN top_key text;

-- merged_into: the incident a retracted one was merged into; an
-- acknowledgement pressed on the merged incident's old button acts on it.
ALTER TABLE escalation_incidents ADD COLUMN merged_into bigint;

-- +goose Down
ALTER TABLE escalation_incidents DROP COLUMN merged_into;
ALTER TABLE escalation_threads DROP COLUMN top_key;
