-- +goose Up
-- Escalation to Slack (api/escalate): who is told, and an outbox that makes
-- every message go out exactly once across restarts and Slack outages.
--
-- Why an outbox of our own rather than River: a message's life here is not a
-- job's. The sender needs the Slack ts of a thread's top message before it can
-- post a reply, must look in the channel's history for a message that may
-- already carry the idempotency key before posting again, must wait
-- Retry-After on 429 without spending an attempt, and an admin page lists what
-- gave up. Those are columns and WHERE clauses here; with River they would be
-- job args, snoozes and a second table anyway. One table also means no second
-- migrator to run after goose.
--
-- Distribution: channels and policy are small reference tables. The incident
-- state, threads and outbox carry office_code in every primary and unique key:
-- for an incident it is its anchor office (the first office of the event that
-- opened it, kept for the incident's life), so an incident's rows co-locate.
-- A province digest, which has no office, uses the province code.

-- Where each level's messages go. ref is the office code (level office), the
-- province code (level province) or '' (level national).
CREATE TABLE escalation_channels (
    level      text NOT NULL CHECK (level IN ('office', 'province', 'national')),
    ref        text NOT NULL,
    channel_id text NOT NULL CHECK (channel_id <> ''),
    PRIMARY KEY (level, ref),
    CHECK ((level = 'national') = (ref = ''))
);

-- The one escalation policy (a single row: id is always true). Durations in
-- seconds so every driver reads them as plain integers.
CREATE TABLE escalation_policy (
    id                       boolean PRIMARY KEY DEFAULT true CHECK (id),
    language                 text NOT NULL DEFAULT 'id' CHECK (language IN ('id', 'en')),
    province_after_working_s integer NOT NULL DEFAULT 7200 CHECK (province_after_working_s > 0),
    national_after_s         integer NOT NULL DEFAULT 86400 CHECK (national_after_s > 0),
    reminder_every_s         integer NOT NULL DEFAULT 14400 CHECK (reminder_every_s > 0),
    digest_at                text NOT NULL DEFAULT '08:00' CHECK (digest_at ~ '^[0-2][0-9]:[0-5][0-9]$'),
    updated_at               timestamptz NOT NULL DEFAULT now()
);
INSERT INTO escalation_policy DEFAULT VALUES;

-- What escalation knows of each incident, as the detector last told it.
-- offices is the event's []OfficeRef (code, name, province, zone); version
-- grows with every change so each chat.update of the top messages has its
-- own idempotency key.
CREATE TABLE escalation_incidents (
    office_code text NOT NULL,
    incident_id bigint NOT NULL,
    scope       text NOT NULL CHECK (scope IN ('office', 'province', 'national')),
    cause       text NOT NULL CHECK (cause IN ('central', 'local', 'unknown')),
    offices     jsonb NOT NULL,
    started_at  timestamptz NOT NULL,
    ended_at    timestamptz,
    estimate    jsonb,
    acked_at    timestamptz,
    acked_by    text NOT NULL DEFAULT '',
    -- Late data showed the incident never was (the detector deleted it);
    -- its messages say so and nothing more is sent.
    retracted   boolean NOT NULL DEFAULT false,
    maintenance boolean NOT NULL DEFAULT false,
    version     integer NOT NULL DEFAULT 1,
    PRIMARY KEY (office_code, incident_id)
);
-- Events and Slack buttons name the incident; this finds its anchor office.
CREATE INDEX escalation_incidents_id_idx ON escalation_incidents (incident_id);
-- Tick walks the open incidents; folding asks which open wide ones cover an office.
CREATE INDEX escalation_incidents_open_idx ON escalation_incidents (started_at) WHERE ended_at IS NULL;

-- One row per incident and channel that has (or will have) a top message:
-- the level and ref it was opened for decide which offices it lists.
CREATE TABLE escalation_threads (
    office_code text NOT NULL,
    incident_id bigint NOT NULL,
    channel_id  text NOT NULL,
    level       text NOT NULL CHECK (level IN ('office', 'province', 'national')),
    ref         text NOT NULL,
    opened_at   timestamptz NOT NULL,
    PRIMARY KEY (office_code, incident_id, channel_id),
    FOREIGN KEY (office_code, incident_id) REFERENCES escalation_incidents (office_code, incident_id)
);

-- The outbox. idem_key is incident:<id>:<channel>:<kind>[:<n>] (or
-- digest:<province>:<date>); the unique key makes every enqueue an
-- INSERT … ON CONFLICT DO NOTHING, so a replayed event or a repeated tick can
-- never queue a message twice. parent_key names the top message a reply is
-- threaded under or an update rewrites; the sender waits for its ts.
-- maybe_posted is set when a post is handed to Slack and cleared only on an
-- answer that proves Slack did not take it: while set, the next attempt first
-- looks for the key in the channel's message metadata.
CREATE TABLE escalation_outbox (
    office_code     text NOT NULL,
    id              bigint GENERATED ALWAYS AS IDENTITY,
    idem_key        text NOT NULL,
    incident_id     bigint,
    channel_id      text NOT NULL,
    kind            text NOT NULL CHECK (kind IN ('open', 'reminder', 'ack', 'recovered', 'reopened', 'update', 'digest')),
    parent_key      text,
    message         jsonb NOT NULL,
    status          text NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'sending', 'sent', 'given_up', 'cancelled')),
    attempts        integer NOT NULL DEFAULT 0,
    maybe_posted    boolean NOT NULL DEFAULT false,
    next_attempt_at timestamptz NOT NULL,
    lease_until     timestamptz,
    ts              text,
    last_error      text NOT NULL DEFAULT '',
    created_at      timestamptz NOT NULL,
    sent_at         timestamptz,
    PRIMARY KEY (office_code, id),
    UNIQUE (office_code, idem_key)
);
-- The sender's scan: only rows still to do, oldest first.
CREATE INDEX escalation_outbox_due_idx ON escalation_outbox (id)
    WHERE status IN ('pending', 'sending');
-- The admin page's list of messages that gave up.
CREATE INDEX escalation_outbox_given_up_idx ON escalation_outbox (created_at)
    WHERE status = 'given_up';

-- Signatures of Slack requests already accepted, so a captured request cannot
-- be replayed inside the 5-minute window. Rows older than the window are
-- pruned as new ones arrive; a small, short-lived table.
CREATE TABLE slack_seen_signatures (
    signature text PRIMARY KEY,
    seen_at   timestamptz NOT NULL
);

-- +goose Down
DROP TABLE slack_seen_signatures;
DROP TABLE escalation_outbox;
DROP TABLE escalation_threads;
DROP TABLE escalation_incidents;
DROP TABLE escalation_policy;
DROP TABLE escalation_channels;
