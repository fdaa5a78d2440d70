-- +goose Up
-- Stored report figures, second step (api/reportdata/area.go, refresh.go).
--
-- 1. Periods running through today are stored too. Their model figures
--    move with the clock only by the office's date (the days from today
--    on are the forecast, overtime is planned from today), so such a row
--    is valid on valid_on, the office's date it was built on (NULL: the
--    period had ended, valid on any day). Availability runs to now: the
--    row keeps it measured up to the start of valid_on (avail_part, an
--    sla.Meter and that day's working spans) and each read adds today's
--    part. A period with an open outage assumed to end now stays
--    unsettled (never read), as before.
--
-- 2. Marks are written only where they can reach a stored period: a
--    change of an office with no stored (or wanted) period that ends on
--    or after its first day minus its reach writes nothing, so detection
--    and ingest of offices nobody reads reports of pay one index probe.
--    A request or the refresher wanting a new period try-locks the office
--    (and the country, shared) without waiting, the triggers lock the
--    same key before they look (report_reached, Store.WantReports): a
--    change in flight when a period is first wanted either is seen by
--    the want's inputs or marks the new row, and an office whose lock is
--    taken is not wanted this time (the request builds it).
ALTER TABLE report_periods ADD COLUMN valid_on date, ADD COLUMN avail_part jsonb;

-- report_reached says whether a mark (office, first, reach) reaches a
-- stored or wanted period of office (code NULL: any office, for changes
-- of many offices at once), after taking the want lock: an office's
-- shared (many changes at once; a want takes it exclusive, without
-- waiting), the country's exclusive (holidays and wide maintenance are
-- rare; wants take it shared, without waiting).
-- +goose StatementBegin
CREATE FUNCTION report_reached(code text, first date, reach integer) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
    IF code IS NULL THEN
        PERFORM pg_advisory_xact_lock(hashtextextended('pantau.report.want:', 0));
        RETURN EXISTS (SELECT 1 FROM report_periods WHERE period_to >= first - reach);
    END IF;
    PERFORM pg_advisory_xact_lock_shared(hashtextextended('pantau.report.want:' || code, 0));
    RETURN EXISTS (SELECT 1 FROM report_periods WHERE office_code = code AND period_to >= first - reach);
END $$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION report_mark_intake() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO report_dirty (office_code, from_day, reach)
        SELECT office_code, first, 32 FROM (SELECT office_code, min(day) AS first FROM old_rows GROUP BY office_code) c
        WHERE report_reached(office_code, first, 32);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO report_dirty (office_code, from_day, reach)
        SELECT office_code, first, 32 FROM (SELECT office_code, min(day) AS first FROM new_rows GROUP BY office_code) c
        WHERE report_reached(office_code, first, 32);
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION report_mark_holidays() RETURNS trigger LANGUAGE plpgsql AS $$
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
    IF first IS NOT NULL AND report_reached(NULL, first, 121) THEN
        INSERT INTO report_dirty (office_code, from_day, reach)
        SELECT DISTINCT office_code, first, 121 FROM report_periods WHERE period_to >= first - 121;
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION report_mark_row() RETURNS trigger LANGUAGE plpgsql AS $$
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
        IF r.scope = 'office' AND (TG_OP <> 'UPDATE' OR (OLD.scope = 'office' AND OLD.office_code = r.office_code)) THEN
            office := r.office_code;
            reach := 1;
        ELSE
            IF report_reached(NULL, first, 1) THEN
                INSERT INTO report_dirty (office_code, from_day, reach)
                SELECT o.code, first, 1 FROM offices o
                WHERE (r.scope = 'national' OR (r.scope = 'province' AND o.province_code = r.province_code)
                   OR (r.scope = 'office' AND o.code = r.office_code)
                   OR (TG_OP = 'UPDATE' AND (OLD.scope = 'national' OR (OLD.scope = 'province' AND o.province_code = OLD.province_code)
                       OR (OLD.scope = 'office' AND o.code = OLD.office_code))))
                  AND EXISTS (SELECT 1 FROM report_periods p WHERE p.office_code = o.code AND p.period_to >= first - 1);
            END IF;
            RETURN NULL;
        END IF;
    END CASE;
    IF report_reached(office, first, reach) THEN
        INSERT INTO report_dirty (office_code, from_day, reach) VALUES (office, first, reach);
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION report_mark_intake() RETURNS trigger LANGUAGE plpgsql AS $$
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
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION report_mark_holidays() RETURNS trigger LANGUAGE plpgsql AS $$
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
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION report_mark_row() RETURNS trigger LANGUAGE plpgsql AS $$
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
DROP FUNCTION report_reached(text, date, integer);
ALTER TABLE report_periods DROP COLUMN avail_part, DROP COLUMN valid_on;
