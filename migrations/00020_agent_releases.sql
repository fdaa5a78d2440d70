-- +goose Up
-- Agent self-update from the centre (issue 16). A release is the folder
-- `make release` writes: SHA256SUMS, its Ed25519 signature and one binary
-- per platform, checked against the release public key at upload. Agents
-- check them again against the key they were enrolled with, so the server
-- is not trusted with what agents run.
ALTER TABLE agent_policy ADD COLUMN release_public_key text NOT NULL DEFAULT '';

CREATE TABLE agent_releases (
    version     text PRIMARY KEY,
    sums        bytea NOT NULL,      -- SHA256SUMS, the exact signed bytes
    signature   bytea NOT NULL,      -- SHA256SUMS.sig
    uploaded_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE agent_release_binaries (
    version text NOT NULL REFERENCES agent_releases (version) ON DELETE CASCADE,
    name    text NOT NULL,           -- pantau-probe-<goos>-<goarch>[.exe]
    goos    text NOT NULL,
    goarch  text NOT NULL,
    content bytea NOT NULL,
    PRIMARY KEY (version, name),
    UNIQUE (version, goos, goarch)
);

-- Who is offered which release: the newest row is in force. scope 'all',
-- 'province' (province_code) or 'offices' (office_codes); share_pct of the
-- probes in scope get it (a stable choice per probe and version), raised to
-- 100 once the first share reports the new version.
CREATE TABLE agent_rollouts (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    version       text NOT NULL REFERENCES agent_releases (version),
    scope         text NOT NULL CHECK (scope IN ('all', 'province', 'offices')),
    province_code text REFERENCES provinces (code),
    office_codes  text[] NOT NULL DEFAULT '{}',
    share_pct     int NOT NULL CHECK (share_pct BETWEEN 1 AND 100),
    created_at    timestamptz NOT NULL DEFAULT now(),
    CHECK ((scope = 'province') = (province_code IS NOT NULL)),
    CHECK ((scope = 'offices') = (cardinality(office_codes) > 0))
);

-- The version an agent tried and rolled back from (it did not come up);
-- it is not offered that version again.
ALTER TABLE probes ADD COLUMN update_failed text NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE probes DROP COLUMN update_failed;
DROP TABLE agent_rollouts;
DROP TABLE agent_release_binaries;
DROP TABLE agent_releases;
ALTER TABLE agent_policy DROP COLUMN release_public_key;
