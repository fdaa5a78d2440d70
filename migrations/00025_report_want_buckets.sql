-- +goose Up
-- The want lock of 00024 (report_reached, Store.WantReports) by bucket of
-- offices, not by office: a transaction that changes many offices (a
-- detection batch at a national cut, an intake import) took one advisory
-- lock per office, and the lock table holds max_locks_per_transaction ×
-- max_connections (6,400 here) for every transaction at once. 256 buckets
-- bound it; offices sharing a bucket only share the chance that a want
-- finds the lock taken (the office is then built in the request, not
-- stored that time). Keys: (hashtext('pantau.report.want'), bucket 0-255),
-- and bucket 256 for the whole country.
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
