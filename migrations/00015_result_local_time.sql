-- +goose Up
-- Agents now send observed_at on the server's clock: their local clock
-- corrected by the offset they measure from the server's Date header
-- (smoothed), since a standalone office PC syncs its clock about weekly and
-- drifts by minutes. local_at keeps the raw local clock beside it, so a bad
-- correction can be seen and undone; NULL for agents that predate it.
-- Nullable and without a default, so adding it rewrites no partition.
ALTER TABLE results ADD COLUMN local_at timestamptz;

-- +goose Down
ALTER TABLE results DROP COLUMN local_at;
