-- +goose Up
-- Escalation under real timing (issue 11): a gather window before the first
-- office messages, late incidents reported once, flapping shown, nothing
-- given up while it matters, Slack's limits shared by every replica.

ALTER TABLE escalation_policy
    ADD COLUMN gather_s         integer NOT NULL DEFAULT 30 CHECK (gather_s >= 0),
    ADD COLUMN late_notice      boolean NOT NULL DEFAULT true,
    ADD COLUMN maintenance_note boolean NOT NULL DEFAULT true;

-- first_seen_at is arrival time (when escalation first heard of it): the
-- gather window counts from there, not from the outage's event time, so
-- results delivered late still get their window. late: first seen already
-- over. acked_name: the Slack display name at the time of the ack.
ALTER TABLE escalation_incidents
    ADD COLUMN first_seen_at timestamptz,
    ADD COLUMN late          boolean NOT NULL DEFAULT false,
    ADD COLUMN flapping      boolean NOT NULL DEFAULT false,
    ADD COLUMN acked_name    text NOT NULL DEFAULT '';
UPDATE escalation_incidents SET first_seen_at = started_at;
ALTER TABLE escalation_incidents ALTER COLUMN first_seen_at SET NOT NULL;

-- step: the channel was reached by time (province after working hours,
-- national after a day), not by the incident's own scope; such a message
-- still unsent when the incident ends is withdrawn, never sent stale.
ALTER TABLE escalation_threads ADD COLUMN step boolean NOT NULL DEFAULT false;

-- after_key: the row waits until the row with this key is sent (the
-- recovery's rewrite of the top message waits for the recovery reply, so
-- the top never says "Pulih" before the reply exists).
ALTER TABLE escalation_outbox ADD COLUMN after_key text;
ALTER TABLE escalation_outbox DROP CONSTRAINT escalation_outbox_kind_check;
ALTER TABLE escalation_outbox ADD CONSTRAINT escalation_outbox_kind_check CHECK (kind IN
    ('open', 'reminder', 'ack', 'recovered', 'reopened', 'update', 'digest', 'late', 'pointer', 'maintenance'));
-- The sender asks per channel for its next row.
CREATE INDEX escalation_outbox_channel_due_idx ON escalation_outbox (channel_id, id)
    WHERE status IN ('pending', 'sending');

-- A 429's Retry-After pauses every call of its method family (chat,
-- conversations, users) for the whole workspace, across replicas.
CREATE TABLE slack_pauses (
    family text PRIMARY KEY,
    until  timestamptz NOT NULL
);

-- The least time of the next call to each channel, across replicas
-- (Slack allows about one message a second per channel). The row is locked
-- while a replica claims for the channel, so two never claim at once.
CREATE TABLE escalation_channel_pace (
    channel_id text PRIMARY KEY,
    next_at    timestamptz NOT NULL
);

-- Slack display names by user ID (users.info), so acknowledgements show a
-- name without asking Slack every time.
CREATE TABLE slack_user_names (
    user_id    text PRIMARY KEY,
    name       text NOT NULL,
    fetched_at timestamptz NOT NULL
);

-- +goose Down
DROP TABLE slack_user_names;
DROP TABLE escalation_channel_pace;
DROP TABLE slack_pauses;
DROP INDEX escalation_outbox_channel_due_idx;
DELETE FROM escalation_outbox WHERE kind IN ('late', 'pointer', 'maintenance');
ALTER TABLE escalation_outbox DROP CONSTRAINT escalation_outbox_kind_check;
ALTER TABLE escalation_outbox ADD CONSTRAINT escalation_outbox_kind_check CHECK (kind IN
    ('open', 'reminder', 'ack', 'recovered', 'reopened', 'update', 'digest'));
ALTER TABLE escalation_outbox DROP COLUMN after_key;
ALTER TABLE escalation_threads DROP COLUMN step;
ALTER TABLE escalation_incidents DROP COLUMN first_seen_at, DROP COLUMN late, DROP COLUMN flapping,
    DROP COLUMN acked_name;
ALTER TABLE escalation_policy DROP COLUMN gather_s, DROP COLUMN late_notice, DROP COLUMN maintenance_note;
