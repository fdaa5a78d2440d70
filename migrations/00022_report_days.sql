-- +goose Up
-- Stored report figures (api/reportdata/stored.go, refresh.go): a
-- province's or the nation's report sums each office's stored daily
-- figures instead of simulating every office's period on each request.
--
-- The model's figures depend on the whole period (it starts From with
-- nothing pending and plans overtime over the period's horizon), so they
-- are kept per office AND period: report_periods holds an office's period
-- (its summary, totals and availability) and its days. A period
-- is stored once it has ended in the office's zone and no open outage was
-- assumed to end "now": its figures then move only when an input changes.
--
-- Every input change marks its office in report_dirty in the same
-- transaction, by the triggers below (so no writer can forget: intake
-- import and API, the detector's outages and series, maintenance windows,
-- settings, Ramadan hours, document types, closures, holidays, target
-- kinds, zones). A stored period is fresh while no mark of its office
-- reaches it: from_day <= period_to + reach, where reach is how far after
-- its last day the model still reads that input (1 for outages and
-- series, whose instants are compared by their UTC date; 32 for intake,
-- read afterDays = 31 past To; 121 for holidays and closures, read
-- horizonDays = 120 past To); settings and catalogues mark from
-- 1900-01-01 (every period). Reads use fresh periods and simulate the
-- others in the request, so a figure is never stale; the refresher
-- recomputes the periods marks reach, then deletes the marks it saw.
CREATE TABLE report_periods (
    office_code  text NOT NULL REFERENCES offices (code) ON DELETE CASCADE,
    period_from  date NOT NULL,             -- the model's first day (after Period.Extend)
    period_to    date NOT NULL,
    asked_from   date NOT NULL,             -- availability's first day
    built_at     timestamptz,               -- NULL: asked for, not built yet
    -- false: built with an open outage assumed to end now, so not reusable
    settled      boolean NOT NULL DEFAULT false,
    feasible     boolean NOT NULL DEFAULT false,
    earliest     boolean NOT NULL DEFAULT false,
    clearance    date,
    outages      integer NOT NULL DEFAULT 0,
    totals       jsonb,                     -- report.Totals
    availability jsonb,                     -- sla.Report, NULL before the period began
    -- The period's days from period_from, packed (api/postgres/reportstore.go
    -- packDays: per day received, completed, backlog, normal, overtime and
    -- staff hours, cost, overdue, late completed, max lateness in nanoseconds,
    -- on time, and the projected/forecast flags, as varints). Packed, not a
    -- row per day: the nation's year is 514 × 366 days, which a GROUP BY
    -- sums in about half a second on two cores, and 514 short values in
    -- tens of milliseconds.
    days         bytea,
    read_at      timestamptz NOT NULL DEFAULT now(),  -- periods not read for weeks are dropped
    PRIMARY KEY (office_code, period_from, period_to, asked_from)
);
-- Read whole, never searched: no compression to undo on each read.
ALTER TABLE report_periods ALTER COLUMN days SET STORAGE EXTERNAL;
CREATE INDEX report_periods_wanted_idx ON report_periods (office_code) WHERE built_at IS NULL;

CREATE TABLE report_dirty (
    office_code text NOT NULL,
    id          bigint GENERATED ALWAYS AS IDENTITY,
    from_day    date NOT NULL,
    reach       integer NOT NULL CHECK (reach >= 0),
    PRIMARY KEY (office_code, id)
);

-- +goose StatementBegin
CREATE FUNCTION report_mark_intake() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO report_dirty (office_code, from_day, reach)
        SELECT office_code, min(day), 32 FROM old_rows GROUP BY office_code;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO report_dirty (office_code, from_day, reach)
        SELECT office_code, min(day), 32 FROM new_rows GROUP BY office_code;
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER report_mark_intake_ins AFTER INSERT ON office_intake
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION report_mark_intake();
CREATE TRIGGER report_mark_intake_upd AFTER UPDATE ON office_intake
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION report_mark_intake();
CREATE TRIGGER report_mark_intake_del AFTER DELETE ON office_intake
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION report_mark_intake();

-- Holidays are national: every office, from the earliest date changed.
-- +goose StatementBegin
CREATE FUNCTION report_mark_holidays() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    first date;
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT min(day) INTO first FROM new_rows;
    ELSIF TG_OP = 'DELETE' THEN
        SELECT min(day) INTO first FROM old_rows;
    ELSE
        SELECT least((SELECT min(day) FROM old_rows), (SELECT min(day) FROM new_rows)) INTO first;
    END IF;
    IF first IS NOT NULL THEN
        INSERT INTO report_dirty (office_code, from_day, reach) SELECT code, first, 121 FROM offices;
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER report_mark_holidays_ins AFTER INSERT ON holidays
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION report_mark_holidays();
CREATE TRIGGER report_mark_holidays_upd AFTER UPDATE ON holidays
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION report_mark_holidays();
CREATE TRIGGER report_mark_holidays_del AFTER DELETE ON holidays
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION report_mark_holidays();

-- Row by row for the rest: they change a row or a few at a time.
-- report_mark_row(kind) reads the changed row's office and day by kind.
-- +goose StatementBegin
CREATE FUNCTION report_mark_row() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    r record;
    office text;
    first date;
    reach integer := 0;
BEGIN
    IF TG_OP = 'DELETE' THEN r := OLD; ELSE r := NEW; END IF;
    CASE TG_ARGV[0]
    WHEN 'outage' THEN
        office := r.office_code;
        first := (r.started_at AT TIME ZONE 'UTC')::date;
        IF TG_OP = 'UPDATE' THEN first := least(first, (OLD.started_at AT TIME ZONE 'UTC')::date); END IF;
        reach := 1;
    WHEN 'series' THEN
        office := r.office_code;
        first := (r.first_at AT TIME ZONE 'UTC')::date;
        IF TG_OP = 'UPDATE' THEN first := least(first, (OLD.first_at AT TIME ZONE 'UTC')::date); END IF;
        reach := 1;
    WHEN 'closure' THEN
        office := r.office_code;
        first := r.day;
        IF TG_OP = 'UPDATE' THEN first := least(first, OLD.day); END IF;
        reach := 121;
    WHEN 'office' THEN
        -- settings, Ramadan hours, document types, a target's kind: every period
        office := r.office_code;
        first := date '1900-01-01';
    WHEN 'zone' THEN
        office := r.code;
        first := date '1900-01-01';
    WHEN 'maintenance' THEN
        first := (r.starts_at AT TIME ZONE 'UTC')::date;
        IF TG_OP = 'UPDATE' THEN first := least(first, (OLD.starts_at AT TIME ZONE 'UTC')::date); END IF;
        INSERT INTO report_dirty (office_code, from_day, reach)
        SELECT o.code, first, 1 FROM offices o
        WHERE r.scope = 'national' OR (r.scope = 'province' AND o.province_code = r.province_code)
           OR (r.scope = 'office' AND o.code = r.office_code)
           OR (TG_OP = 'UPDATE' AND (OLD.scope = 'national' OR (OLD.scope = 'province' AND o.province_code = OLD.province_code)
               OR (OLD.scope = 'office' AND o.code = OLD.office_code)));
        RETURN NULL;
    END CASE;
    INSERT INTO report_dirty (office_code, from_day, reach) VALUES (office, first, reach);
    RETURN NULL;
END $$;
-- +goose StatementEnd

-- Only central targets' outages and series feed reports (the model and
-- availability).
CREATE TRIGGER report_mark_outage_ins AFTER INSERT ON outages FOR EACH ROW
    WHEN (NEW.target_kind = 'central') EXECUTE FUNCTION report_mark_row('outage');
CREATE TRIGGER report_mark_outage_upd AFTER UPDATE ON outages FOR EACH ROW
    WHEN ((NEW.target_kind = 'central' OR OLD.target_kind = 'central') AND OLD.* IS DISTINCT FROM NEW.*)
    EXECUTE FUNCTION report_mark_row('outage');
CREATE TRIGGER report_mark_outage_del AFTER DELETE ON outages FOR EACH ROW
    WHEN (OLD.target_kind = 'central') EXECUTE FUNCTION report_mark_row('outage');
-- The detector rewrites series_state on every result; only a series'
-- start (or its end) changes what reports see.
CREATE TRIGGER report_mark_series_ins AFTER INSERT ON series_state FOR EACH ROW
    EXECUTE FUNCTION report_mark_row('series');
CREATE TRIGGER report_mark_series_upd AFTER UPDATE OF first_at ON series_state FOR EACH ROW
    WHEN (OLD.first_at IS DISTINCT FROM NEW.first_at) EXECUTE FUNCTION report_mark_row('series');
CREATE TRIGGER report_mark_series_del AFTER DELETE ON series_state FOR EACH ROW
    EXECUTE FUNCTION report_mark_row('series');
CREATE TRIGGER report_mark_maintenance AFTER INSERT OR UPDATE OR DELETE ON maintenance_windows FOR EACH ROW
    EXECUTE FUNCTION report_mark_row('maintenance');
CREATE TRIGGER report_mark_closures AFTER INSERT OR UPDATE OR DELETE ON office_closures FOR EACH ROW
    EXECUTE FUNCTION report_mark_row('closure');
CREATE TRIGGER report_mark_settings AFTER INSERT OR UPDATE OR DELETE ON office_settings FOR EACH ROW
    EXECUTE FUNCTION report_mark_row('office');
CREATE TRIGGER report_mark_ramadan AFTER INSERT OR UPDATE OR DELETE ON office_ramadan FOR EACH ROW
    EXECUTE FUNCTION report_mark_row('office');
CREATE TRIGGER report_mark_doc_types AFTER INSERT OR UPDATE OR DELETE ON office_doc_types FOR EACH ROW
    EXECUTE FUNCTION report_mark_row('office');
CREATE TRIGGER report_mark_target_kind AFTER UPDATE OF kind ON targets FOR EACH ROW
    WHEN (OLD.kind IS DISTINCT FROM NEW.kind) EXECUTE FUNCTION report_mark_row('office');
CREATE TRIGGER report_mark_target_del AFTER DELETE ON targets FOR EACH ROW
    EXECUTE FUNCTION report_mark_row('office');
CREATE TRIGGER report_mark_zone AFTER UPDATE OF tz ON offices FOR EACH ROW
    WHEN (OLD.tz IS DISTINCT FROM NEW.tz) EXECUTE FUNCTION report_mark_row('zone');

-- +goose Down
DROP TRIGGER report_mark_zone ON offices;
DROP TRIGGER report_mark_target_del ON targets;
DROP TRIGGER report_mark_target_kind ON targets;
DROP TRIGGER report_mark_doc_types ON office_doc_types;
DROP TRIGGER report_mark_ramadan ON office_ramadan;
DROP TRIGGER report_mark_settings ON office_settings;
DROP TRIGGER report_mark_closures ON office_closures;
DROP TRIGGER report_mark_maintenance ON maintenance_windows;
DROP TRIGGER report_mark_series_del ON series_state;
DROP TRIGGER report_mark_series_upd ON series_state;
DROP TRIGGER report_mark_series_ins ON series_state;
DROP TRIGGER report_mark_outage_del ON outages;
DROP TRIGGER report_mark_outage_upd ON outages;
DROP TRIGGER report_mark_outage_ins ON outages;
DROP FUNCTION report_mark_row();
DROP TRIGGER report_mark_holidays_del ON holidays;
DROP TRIGGER report_mark_holidays_upd ON holidays;
DROP TRIGGER report_mark_holidays_ins ON holidays;
DROP FUNCTION report_mark_holidays();
DROP TRIGGER report_mark_intake_del ON office_intake;
DROP TRIGGER report_mark_intake_upd ON office_intake;
DROP TRIGGER report_mark_intake_ins ON office_intake;
DROP FUNCTION report_mark_intake();
DROP TABLE report_dirty;
DROP TABLE report_periods;
