-- +goose Up
-- The want lock of 00024 (report_reached, Store.WantReports) by bucket of
-- offices, not by office: a transaction that changes many offices (a
-- detection batch at a national cut, an intake import) took one advisory
-- lock per office, and the lock table holds max_locks_per_transaction ×
-- max_connections (6,400 here) for every transaction at once. 256 buckets
-- bound it; offices sharing a bucket only share the chance that a want
-- finds the lock taken (the office is then built in the request, not
-- stored that time). Keys: (hashtext('pantau.report.want'), bucket 0-255),
-- and bucket 256 for the whole country. report_mark_row inlines it for
-- the one-office case (outage and series rows, the detector's).
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION report_reached(code text, first date, reach integer) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
    IF code IS NULL THEN
        PERFORM pg_advisory_xact_lock(hashtext('pantau.report.want'), 256);
        RETURN EXISTS (SELECT 1 FROM report_periods WHERE period_to >= first - reach);
    END IF;
    PERFORM pg_advisory_xact_lock_shared(hashtext('pantau.report.want'), (hashtext(code)::bigint & 255)::integer);
    RETURN EXISTS (SELECT 1 FROM report_periods WHERE office_code = code AND period_to >= first - reach);
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
    -- report_reached inlined (the common case: one outage or series row;
    -- a call and a statement less a row). The lock first, in a statement
    -- of its own, so the probe's snapshot sees a want that held it.
    PERFORM pg_advisory_xact_lock_shared(hashtext('pantau.report.want'), (hashtext(office)::bigint & 255)::integer);
    INSERT INTO report_dirty (office_code, from_day, reach) SELECT office, first, reach
    WHERE EXISTS (SELECT 1 FROM report_periods WHERE office_code = office AND period_to >= first - reach);
    RETURN NULL;
END $$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION report_reached(code text, first date, reach integer) RETURNS boolean LANGUAGE plpgsql AS $$
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
