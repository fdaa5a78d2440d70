-- +goose Up
-- A period with an open outage is stored for the quarter hour its assumed
-- end holds (00028), so the first read of each quarter hour built it
-- again. The refresher now builds the next quarter hour's figures a few
-- minutes ahead, for the periods read lately, into this table (one row per
-- period, beside its report_periods row); a read takes the row of either
-- table that assumes the end it assumes. A row here is read under the
-- same conditions as its period (built for the office's date, no mark
-- reaching it) and deleted when the refresher takes its office's marks
-- (it was built before their changes may have been seen).
CREATE TABLE report_periods_next (
    office_code  text NOT NULL,
    period_from  date NOT NULL,
    period_to    date NOT NULL,
    asked_from   date NOT NULL,
    assumed_end  timestamptz NOT NULL,
    built_at     timestamptz NOT NULL,
    feasible     boolean NOT NULL,
    earliest     boolean NOT NULL,
    clearance    date,
    outages      integer NOT NULL,
    totals       jsonb,
    availability jsonb,
    days         bytea,
    valid_on     date,
    avail_part   jsonb,
    plan         jsonb,
    PRIMARY KEY (office_code, period_from, period_to, asked_from),
    FOREIGN KEY (office_code, period_from, period_to, asked_from)
        REFERENCES report_periods (office_code, period_from, period_to, asked_from) ON DELETE CASCADE
);
ALTER TABLE report_periods_next ALTER COLUMN days SET STORAGE EXTERNAL;

-- +goose Down
DROP TABLE report_periods_next;
