-- +goose Up
-- A period an open central outage touches is built with the outage
-- assumed to end now, rounded up to the quarter hour (reportdata.AssumeEnd;
-- the model counts a 15-minute slot the outage touches as down). Its
-- figures are therefore the same for every read within one slot (and one
-- office date, valid_on): such a period is now stored with the end it
-- assumed and read only while a read assumes the same end. During a
-- national cut (every office with an open outage, when officials read
-- reports) a report is built once a slot instead of on every read. The
-- outage's close (or any change to it) marks the office as before.
ALTER TABLE report_periods ADD COLUMN assumed_end timestamptz;
-- The refresher re-asks, once a slot, for such periods read lately.
CREATE INDEX report_periods_assumed_idx ON report_periods (assumed_end) WHERE assumed_end IS NOT NULL;
-- The days with planned overtime, as report.Day JSON: the province
-- report's exports list each office's plan. NULL in rows built before:
-- a read that wants plans treats such a row as not stored.
ALTER TABLE report_periods ADD COLUMN plan jsonb;

-- +goose Down
DROP INDEX report_periods_assumed_idx;
ALTER TABLE report_periods DROP COLUMN plan, DROP COLUMN assumed_end;
