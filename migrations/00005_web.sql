-- +goose Up
-- The web layer: people who log in, their sessions, the throttle on failed
-- logins, and the monthly reports kept for download.
--
-- Distribution: users and sessions are small and read on every page; they
-- stay reference tables (or on the coordinator). monthly_reports carries the
-- office or province code first in its key so it co-locates with the office.

-- A user's role fixes what they may see (api/server/auth_scope.go):
--   office_staff        one office, may enter intake
--   city_official       one office, read only
--   provincial_official every office of one province
--   national_operator   everything, read only
--   admin               everything, and users, offices, targets, probes,
--                       maintenance windows
-- The checks make a user without their office or province impossible, so a
-- missing scope can never read as "everything".
CREATE TABLE users (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email         text NOT NULL CHECK (email = lower(email) AND email LIKE '%_@_%'),
    name          text NOT NULL DEFAULT '',
    role          text NOT NULL CHECK (role IN ('office_staff', 'city_official', 'provincial_official', 'national_operator', 'admin')),
    office_code   text REFERENCES offices (code),
    province_code text REFERENCES provinces (code),
    -- argon2id in the PHC string format ($argon2id$v=19$m=…,t=…,p=…$salt$hash),
    -- so parameters can be raised later and old hashes still verify.
    password_hash text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    disabled_at   timestamptz,
    UNIQUE (email),
    CHECK ((role IN ('office_staff', 'city_official')) = (office_code IS NOT NULL)),
    CHECK ((role = 'provincial_official') = (province_code IS NOT NULL))
);

-- A session is a random 32-byte token in an HttpOnly cookie; only its
-- SHA-256 is stored, so a leaked table cannot be replayed as cookies. The
-- CSRF token is per session and checked on every POST from a logged-in user.
CREATE TABLE sessions (
    token_hash   bytea PRIMARY KEY,
    user_id      bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token   text NOT NULL,
    created_at   timestamptz NOT NULL,
    last_seen_at timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL
);
CREATE INDEX sessions_user_idx ON sessions (user_id);
CREATE INDEX sessions_expiry_idx ON sessions (expires_at);

-- Failed logins per (email, client address). After a few failures the pair
-- must wait, doubling each time up to a cap; a success clears the row. Keyed
-- on the pair, so an attacker guessing one account from one address is slowed
-- without locking the real user out from their office.
CREATE TABLE login_failures (
    email          text NOT NULL,
    ip             text NOT NULL,
    failures       integer NOT NULL,
    last_failed_at timestamptz NOT NULL,
    locked_until   timestamptz NOT NULL,
    PRIMARY KEY (email, ip)
);

-- Monthly reports, made on the first of the month for the month before and
-- kept: what the office sent upward must stay downloadable as it was, even
-- after late results change the figures.
CREATE TABLE monthly_reports (
    ref        text NOT NULL,           -- office code (73.71) or province code (73)
    kind       text NOT NULL CHECK (kind IN ('office', 'province')),
    month      date NOT NULL CHECK (extract(day FROM month) = 1),
    html       text NOT NULL,
    csv        bytea NOT NULL,
    xlsx       bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (ref, kind, month)
);
CREATE INDEX monthly_reports_month_idx ON monthly_reports (month);

-- Files received per office, office date and document type, as office staff
-- enter them on the office page (the backlog model's intake). Named
-- office_intake, not intake, because intake belongs to the report layer
-- (issue 4): when its table lands, the pages read that one and this goes.
CREATE TABLE office_intake (
    office_code text NOT NULL REFERENCES offices (code),
    day         date NOT NULL,          -- in the office's zone
    doc_type    text NOT NULL,          -- doctype code, e.g. KK
    received    integer NOT NULL CHECK (received >= 0),
    recorded_by bigint REFERENCES users (id) ON DELETE SET NULL,
    recorded_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (office_code, day, doc_type)
);

-- +goose Down
DROP TABLE office_intake;
DROP TABLE monthly_reports;
DROP TABLE login_failures;
DROP TABLE sessions;
DROP TABLE users;
