-- +goose Up
-- API tokens let scripts use the JSON API without a browser session: an
-- office posting each day's intake from the registry's own counts, a province
-- pulling reports into its dashboard. A token carries a role and scope as a
-- user does (the same checks as users below), is sent as
-- `Authorization: Bearer pat_<id>_<secret>`, and needs no CSRF token: a
-- browser never attaches it by itself, so no other site can make one ride
-- along.
--
-- Only the SHA-256 of the token is kept (as for probes and sessions): a
-- leaked table cannot be replayed. The id in the token finds the row, the
-- hash is compared in constant time. Revoked rows stay, so the list keeps
-- who had access and when it was last used.
CREATE TABLE api_tokens (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name          text NOT NULL CHECK (name <> '' AND length(name) <= 100),
    role          text NOT NULL CHECK (role IN ('office_staff', 'city_official', 'provincial_official', 'national_operator', 'admin')),
    office_code   text REFERENCES offices (code),
    province_code text REFERENCES provinces (code),
    token_hash    bytea NOT NULL,
    created_by    text NOT NULL DEFAULT '',
    created_at    timestamptz NOT NULL DEFAULT now(),
    -- Written at most once a minute per token, so a busy script does not
    -- turn every read into a write.
    last_used_at  timestamptz,
    revoked_at    timestamptz,
    CHECK ((role IN ('office_staff', 'city_official')) = (office_code IS NOT NULL)),
    CHECK ((role = 'provincial_official') = (province_code IS NOT NULL))
);
-- A live token's name is unique, so the admin page and the CLI can name it;
-- a revoked name may be given again.
CREATE UNIQUE INDEX api_tokens_live_name_idx ON api_tokens (name) WHERE revoked_at IS NULL;

-- +goose Down
DROP TABLE api_tokens;
