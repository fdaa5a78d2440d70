-- +goose Up
-- Enrolment codes let office staff install an agent without anyone typing a
-- token: an admin makes a short, single-use, expiring code for an office; the
-- agent trades it once for its own probe token.
--
-- Only the SHA-256 of the code is kept. Codes are short (typed by hand), so
-- they are guarded by expiry, single use and the attempt throttle below, not
-- by the hash alone.
CREATE TABLE enrolment_codes (
    office_code text NOT NULL REFERENCES offices (code),
    code_hash   bytea NOT NULL,
    created_by  text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz,
    probe_id    bigint,                     -- the probe it became
    PRIMARY KEY (office_code, code_hash)
);
-- Enrolment looks a code up by hash alone (the agent does not know the office
-- yet); at Citus scale this small table is a reference table.
CREATE UNIQUE INDEX enrolment_codes_hash_idx ON enrolment_codes (code_hash);

-- The oldest agent version still trusted; agents below it are flagged.
CREATE TABLE agent_policy (
    singleton       boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    minimum_version text NOT NULL DEFAULT ''
);
INSERT INTO agent_policy DEFAULT VALUES;

-- +goose Down
DROP TABLE agent_policy;
DROP TABLE enrolment_codes;
