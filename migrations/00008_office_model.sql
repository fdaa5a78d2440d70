-- +goose Up
-- The office model (issue 4): what the backlog and overtime planner needs to
-- know about an office beyond its outages, and the intake it is fed.
--
-- Distribution (docs/scaling.md): the per-office tables carry office_code
-- first in their primary key, so they co-locate with the office's outages.
-- Holidays are national and small (a few dozen rows a year): a reference
-- table. The national document catalogue is not a table at all: it is
-- report/doctype.Defaults(), versioned with the code that interprets it, and
-- offices store only their differences (office_doc_types), so a corrected
-- national default reaches every office that did not override it.

-- One row per office that has recorded its own settings; an office without
-- a row gets api.DefaultOfficeSettings: the civil-service week of
-- report/calendar (Monday to Friday 07:30-15:00, 37.5 hours), 4 processing
-- staff, a cap of 4 overtime hours a day, and the seed office's rates. The
-- column defaults below mirror those Go constants, which are the one
-- source: the store writes every column and never reads these defaults.
CREATE TABLE office_settings (
    office_code     text PRIMARY KEY REFERENCES offices (code) ON DELETE CASCADE,
    -- Staff who process documents: one pool, in working hours and overtime.
    staff           integer NOT NULL DEFAULT 4 CHECK (staff BETWEEN 1 AND 1000),
    -- Whole overtime hours a day at most (the model's limit is 16).
    overtime_cap    integer NOT NULL DEFAULT 4 CHECK (overtime_cap BETWEEN 0 AND 16),
    -- Rupiah per person per overtime hour and meal allowance per person on
    -- a day of 2 hours or more, from the finance ministry's yearly standard
    -- cost tables; whole rupiah, as the tables are.
    overtime_hourly bigint NOT NULL DEFAULT 20000 CHECK (overtime_hourly >= 0),
    meal_allowance  bigint NOT NULL DEFAULT 37000 CHECK (meal_allowance >= 0),
    -- Working and counter hours per weekday as a calendar.Week in JSON, seven
    -- {"start","end"} objects in minutes after midnight, Sunday first; a
    -- closed day is {"start":0,"end":0}. A week is read and written whole and
    -- never queried by day, so one jsonb value beats seven rows; the SQL
    -- checks its shape, calendar.Validate (the model's own rule) the spans.
    work_hours      jsonb NOT NULL DEFAULT '[{"start":0,"end":0},{"start":450,"end":900},{"start":450,"end":900},{"start":450,"end":900},{"start":450,"end":900},{"start":450,"end":900},{"start":0,"end":0}]'
                    CHECK (jsonb_typeof(work_hours) = 'array' AND jsonb_array_length(work_hours) = 7),
    -- When files are received; NULL means the same as work_hours.
    counter_hours   jsonb CHECK (counter_hours IS NULL OR
                    (jsonb_typeof(counter_hours) = 'array' AND jsonb_array_length(counter_hours) = 7)),
    updated_by      bigint REFERENCES users (id) ON DELETE SET NULL,
    updated_at      timestamptz NOT NULL DEFAULT now()
);

-- The shorter Ramadan schedule, by date range (office dates, both ends
-- included). Per office because offices publish their own hours under the
-- government's circular; the default week is calendar.RamadanWeek (Monday
-- to Friday 08:00-14:30). No two ranges of one office may overlap: the
-- model takes the first that covers a date, so an overlap would be silently
-- ambiguous.
CREATE TABLE office_ramadan (
    office_code   text NOT NULL REFERENCES offices (code) ON DELETE CASCADE,
    starts_on     date NOT NULL,
    ends_on       date NOT NULL CHECK (ends_on >= starts_on),
    work_hours    jsonb NOT NULL DEFAULT '[{"start":0,"end":0},{"start":480,"end":870},{"start":480,"end":870},{"start":480,"end":870},{"start":480,"end":870},{"start":480,"end":870},{"start":0,"end":0}]'
                  CHECK (jsonb_typeof(work_hours) = 'array' AND jsonb_array_length(work_hours) = 7),
    counter_hours jsonb CHECK (counter_hours IS NULL OR
                  (jsonb_typeof(counter_hours) = 'array' AND jsonb_array_length(counter_hours) = 7)),
    PRIMARY KEY (office_code, starts_on),
    EXCLUDE USING gist (office_code WITH =, daterange(starts_on, ends_on, '[]') WITH &&)
);

-- An office's differences from the national document catalogue
-- (doctype.Override): a NULL column keeps the national value. A code that
-- is not in the national catalogue adds a type and must then set every
-- column (checked in Go by Catalogue.With, which names the field).
CREATE TABLE office_doc_types (
    office_code   text NOT NULL REFERENCES offices (code) ON DELETE CASCADE,
    code          text NOT NULL CHECK (code ~ '^[A-Z0-9][A-Z0-9-]{0,31}$'),
    name          text CHECK (name IS NULL OR name <> ''),
    needs_central boolean,
    sla_kind      text CHECK (sla_kind IN ('hours', 'calendar_days', 'working_days')),
    sla_n         integer CHECK (sla_n >= 0),
    staff_minutes integer CHECK (staff_minutes >= 1),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (office_code, code),
    -- An SLA is a kind and a number together.
    CHECK ((sla_kind IS NULL) = (sla_n IS NULL))
);

-- Public holidays (libur) and collective leave (cuti bersama), national, as
-- the joint ministerial decree (SKB) publishes them each year. The year is
-- stored so an import replaces whole years: a corrected decree that drops a
-- date removes it, instead of leaving a stale holiday behind.
CREATE TABLE holidays (
    day         date PRIMARY KEY,
    year        integer NOT NULL GENERATED ALWAYS AS (extract(year FROM day)::integer) STORED,
    kind        text NOT NULL CHECK (kind IN ('libur', 'cuti')),
    name        text NOT NULL CHECK (name <> ''),
    imported_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX holidays_year_idx ON holidays (year);

-- Intake keeps the table the web layer made (00005) rather than a second
-- one: files received per office, office date and type, keyed by office
-- first. completed is what the office itself recorded as finished that day,
-- NULL where it records nothing; the model simulates completion on its own
-- and reports show the recorded figure beside the simulated one.
ALTER TABLE office_intake ADD COLUMN completed integer CHECK (completed >= 0);

-- +goose Down
ALTER TABLE office_intake DROP COLUMN completed;
DROP TABLE holidays;
DROP TABLE office_doc_types;
DROP TABLE office_ramadan;
DROP TABLE office_settings;
