-- +goose Up
-- Failed logins counted per account and per client address, each on its
-- own row, instead of per (email, address) pair: a pair lets one address
-- try every account, and many addresses try one account, unslowed.
--
-- An attempt is counted BEFORE its password is checked, in the transaction
-- that reads the wait (rows locked FOR UPDATE, account row first, so two
-- attempts never deadlock): thirty parallel guesses cannot all pass the
-- check before the first failure lands. A success takes its own count back
-- (the account's row is cleared; the client's loses one).
--
-- The address is the peer's, or the one a trusted proxy forwards
-- (`pantau serve -trusted-proxies`). Unknown e-mail addresses get rows as
-- known ones do, so the throttle does not tell which accounts exist; rows
-- whose wait ended a day ago are pruned by the login handler.
CREATE TABLE login_throttle (
    scope          text NOT NULL CHECK (scope IN ('account', 'client')),
    key            text NOT NULL,          -- the e-mail (lower case) or the address
    failures       integer NOT NULL,
    last_failed_at timestamptz NOT NULL,
    locked_until   timestamptz NOT NULL,
    PRIMARY KEY (scope, key)
);
DROP TABLE login_failures;

-- +goose Down
CREATE TABLE login_failures (
    email          text NOT NULL,
    ip             text NOT NULL,
    failures       integer NOT NULL,
    last_failed_at timestamptz NOT NULL,
    locked_until   timestamptz NOT NULL,
    PRIMARY KEY (email, ip)
);
DROP TABLE login_throttle;
