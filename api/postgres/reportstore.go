package postgres

import (
	"context"
	"encoding/binary"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pantau-id/pantau/report/calendar"
)

// Stored report figures (migrations/00022): each office's period as the
// model built it, kept until a change to one of its inputs marks the office
// (report_dirty, written by triggers in the changing transaction). The
// rules of freshness live in the SQL here; api/reportdata decides what to
// build and store.

// ReportKey names an office's stored period: the model's first and last
// day and the first day availability counts from.
type ReportKey struct {
	From, To, Asked calendar.Date
}

// ReportDay is one stored day: the figures of report.Day that add up.
type ReportDay struct {
	Date                                                            calendar.Date
	Received, Completed, Backlog, Normal, OvertimeHours, StaffHours int
	Cost                                                            int64
	Overdue, LateCompleted                                          int
	MaxLateness                                                     time.Duration
	OnTime                                                          int
	Projected, Forecast                                             bool
}

// StoredReport is one office's stored period.
type StoredReport struct {
	Office string
	// Settled is false for a period the refresher held (an office with an
	// open outage that only a mark, not a read, asked to rebuild): never
	// read, built again when a read asks for it.
	Settled            bool
	Feasible, Earliest bool
	Clearance          *calendar.Date
	Outages            int
	// Totals and Availability are report.Totals and sla.Report as JSON
	// (Availability nil before the period began).
	Totals, Availability []byte
	Days                 []ReportDay
	ReadAt               time.Time
	// ValidOn is the office date a period running through today was built
	// on: it is read on that date only (nil: the period had ended).
	// AvailPart is then its availability up to the start of that date
	// (api/reportdata: an sla.Meter and the day's working spans), to which
	// a read adds the day so far; Availability is nil.
	ValidOn   *calendar.Date
	AvailPart []byte
	// AssumedEnd is the end the period assumed for an open outage (nil:
	// none was open): it is read only by reads that assume the same end
	// (migrations/00028; the end moves a quarter hour at a time).
	AssumedEnd *time.Time
	// Plan is the days with planned overtime as report.Day JSON (read
	// only when asked: StoredReports' plans).
	Plan []byte
	// EndBacklog is the last day's backlog (StoredReports fills it).
	EndBacklog int
}

// freshReports selects the fresh stored periods of $1 at key $2..$4:
// each office's row of report_periods that is built, settled, valid on
// the office's date at $5, built with no open outage or with one assumed
// to end at $6, with a plan if $7 asks for plans, and reached by no mark
// of its office; or else its row of report_periods_next (built ahead for
// the quarter hour, migrations/00030) under the same conditions. Columns:
// office, feasible, earliest, clearance, outages, totals, availability,
// read_at, valid_on, avail_part, days, plan (if asked).
const freshReports = `WITH rows AS (
	SELECT p.office_code, p.feasible, p.earliest, p.clearance, p.outages, p.totals, p.availability, p.read_at,
		p.valid_on, p.avail_part, p.days, CASE WHEN $7::boolean THEN p.plan END AS plan, 0 AS pri
	FROM report_periods p JOIN offices o ON o.code = p.office_code
	WHERE p.office_code = ANY($1) AND p.period_from = $2::date AND p.period_to = $3::date AND p.asked_from = $4::date
	  AND p.built_at IS NOT NULL AND p.settled
	  AND (p.valid_on IS NULL OR p.valid_on = ($5::timestamptz AT TIME ZONE o.tz)::date)
	  AND (p.assumed_end IS NULL OR p.assumed_end = $6)
	  AND (NOT $7::boolean OR p.plan IS NOT NULL)
	  AND NOT EXISTS (SELECT 1 FROM report_dirty d WHERE d.office_code = p.office_code AND d.from_day <= p.period_to + d.reach)
	UNION ALL
	SELECT n.office_code, n.feasible, n.earliest, n.clearance, n.outages, n.totals, n.availability, p.read_at,
		n.valid_on, n.avail_part, n.days, CASE WHEN $7::boolean THEN n.plan END, 1
	FROM report_periods_next n JOIN report_periods p USING (office_code, period_from, period_to, asked_from)
		JOIN offices o ON o.code = n.office_code
	WHERE n.office_code = ANY($1) AND n.period_from = $2::date AND n.period_to = $3::date AND n.asked_from = $4::date
	  AND n.assumed_end = $6
	  AND (n.valid_on IS NULL OR n.valid_on = ($5::timestamptz AT TIME ZONE o.tz)::date)
	  AND (NOT $7::boolean OR n.plan IS NOT NULL)
	  AND NOT EXISTS (SELECT 1 FROM report_dirty d WHERE d.office_code = n.office_code AND d.from_day <= n.period_to + d.reach))
	SELECT DISTINCT ON (office_code) office_code, feasible, earliest, to_char(clearance, 'YYYY-MM-DD'), outages,
		totals, availability, read_at, to_char(valid_on, 'YYYY-MM-DD'), avail_part, days, plan
	FROM rows ORDER BY office_code, pri`

// StoredReports returns the fresh stored periods of codes at k read at
// now (without their days) and their days summed by date (sums; the
// largest lateness; either flag), from one snapshot. assumeEnd is the end
// a build at now assumes for an open outage (reportdata.AssumeEnd); plans
// asks for each period's Plan too.
func (s *Store) StoredReports(ctx context.Context, codes []string, k ReportKey, now, assumeEnd time.Time, plans bool) ([]StoredReport, []ReportDay, error) {
	rows, err := s.pool.Query(ctx, freshReports, codes, k.From.String(), k.To.String(), k.Asked.String(), now, assumeEnd, plans)
	if err != nil {
		return nil, nil, fmt.Errorf("stored reports %s..%s: %w", k.From, k.To, err)
	}
	var (
		heads     []StoredReport
		h         StoredReport
		clearance *string
		validOn   *string
		days      []byte
	)
	sums := make([]ReportDay, k.From.DaysUntil(k.To)+1)
	for i := range sums {
		sums[i].Date = k.From.AddDays(i)
	}
	_, err = pgx.ForEachRow(rows, []any{&h.Office, &h.Feasible, &h.Earliest, &clearance, &h.Outages, &h.Totals, &h.Availability,
		&h.ReadAt, &validOn, &h.AvailPart, &days, &h.Plan}, func() error {
		h.Settled, h.Clearance, h.ValidOn = true, nil, nil
		if clearance != nil {
			d, err := calendar.ParseDate(*clearance)
			if err != nil {
				return err
			}
			h.Clearance = &d
		}
		if validOn != nil {
			d, err := calendar.ParseDate(*validOn)
			if err != nil {
				return err
			}
			h.ValidOn = &d
		}
		var err error
		if h.EndBacklog, err = addPacked(sums, days); err != nil {
			return fmt.Errorf("office %s: %w", h.Office, err)
		}
		heads = append(heads, h)
		h = StoredReport{}
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("stored reports %s..%s: %w", k.From, k.To, err)
	}
	if len(heads) == 0 {
		sums = nil
	}
	return heads, sums, nil
}

// dayFields is how many varints packDays writes per day.
const dayFields = 12

// packDays packs days (consecutive from the period's first) as varints.
func packDays(days []ReportDay) []byte {
	out := make([]byte, 0, len(days)*dayFields*2)
	for _, d := range days {
		var flags int64
		if d.Projected {
			flags |= 1
		}
		if d.Forecast {
			flags |= 2
		}
		for _, v := range [dayFields]int64{int64(d.Received), int64(d.Completed), int64(d.Backlog), int64(d.Normal),
			int64(d.OvertimeHours), int64(d.StaffHours), d.Cost, int64(d.Overdue), int64(d.LateCompleted),
			int64(d.MaxLateness), int64(d.OnTime), flags} {
			out = binary.AppendVarint(out, v)
		}
	}
	return out
}

// addPacked adds packed days into sums, day by day, and returns the last
// day's backlog.
func addPacked(sums []ReportDay, b []byte) (int, error) {
	var v [dayFields]int64
	for i := range sums {
		for j := range v {
			x, n := binary.Varint(b)
			if n <= 0 {
				return 0, fmt.Errorf("stored days: day %d of %d cut short", i+1, len(sums))
			}
			v[j], b = x, b[n:]
		}
		a := &sums[i]
		a.Received += int(v[0])
		a.Completed += int(v[1])
		a.Backlog += int(v[2])
		a.Normal += int(v[3])
		a.OvertimeHours += int(v[4])
		a.StaffHours += int(v[5])
		a.Cost += v[6]
		a.Overdue += int(v[7])
		a.LateCompleted += int(v[8])
		a.MaxLateness = max(a.MaxLateness, time.Duration(v[9]))
		a.OnTime += int(v[10])
		a.Projected = a.Projected || v[11]&1 != 0
		a.Forecast = a.Forecast || v[11]&2 != 0
	}
	if len(b) != 0 {
		return 0, fmt.Errorf("stored days: %d bytes past day %d", len(b), len(sums))
	}
	return int(v[2]), nil
}

// wantChunk bounds the offices one want transaction takes (it holds
// locks a trigger may wait for: keep it short).
const wantChunk = 256

// WantReports asks for codes' periods at k to be stored: a row not built
// yet (or one built on an office date before now's, held by the
// refresher, or built with an open outage assumed to end other than at
// assumeEnd, to be built again),
// which the refresher builds or a request fills (PutReports). A trigger
// may have decided an office had nothing stored to mark
// (migrations/00024 and 00025, report_reached), so a row is added only
// under the want lock of the office's bucket, taken without waiting: a
// change of an office of the bucket still in flight holds it, and the
// office is left out this time (its report is built in the request and
// not stored).
func (s *Store) WantReports(ctx context.Context, codes []string, k ReportKey, now, assumeEnd time.Time) error {
	for len(codes) > 0 {
		chunk := codes[:min(len(codes), wantChunk)]
		codes = codes[len(chunk):]
		err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
			var ok bool
			if err := tx.QueryRow(ctx, `SELECT pg_try_advisory_xact_lock_shared(hashtext('pantau.report.want'), 256)`).Scan(&ok); err != nil || !ok {
				return err
			}
			_, err := tx.Exec(ctx, `WITH locked AS (
					SELECT c FROM unnest($1::text[]) AS c
					WHERE pg_try_advisory_xact_lock(hashtext('pantau.report.want'), (hashtext(c)::bigint & 255)::integer))
				INSERT INTO report_periods AS p (office_code, period_from, period_to, asked_from)
				SELECT c, $2::date, $3::date, $4::date FROM locked
				ON CONFLICT (office_code, period_from, period_to, asked_from) DO UPDATE SET built_at = NULL
					WHERE p.valid_on < ($5::timestamptz AT TIME ZONE (SELECT tz FROM offices WHERE code = p.office_code))::date
					   OR NOT p.settled OR p.assumed_end <> $6`,
				chunk, k.From.String(), k.To.String(), k.Asked.String(), now, assumeEnd)
			return err
		})
		if err != nil {
			return fmt.Errorf("want reports %s..%s: %w", k.From, k.To, err)
		}
	}
	return nil
}

// RewantOutdated asks again for the stored periods still running through
// the office's date at now that were built on an earlier date and read
// since readSince (a "this month" read yesterday): the refresher builds
// them for the new date before the next read has to. It returns how many.
func (s *Store) RewantOutdated(ctx context.Context, now, readSince time.Time) (int64, error) {
	tag, err := s.pool.Exec(ctx, `UPDATE report_periods p SET built_at = NULL FROM offices o
		WHERE o.code = p.office_code AND p.built_at IS NOT NULL AND p.read_at > $2
		  AND p.valid_on < ($1::timestamptz AT TIME ZONE o.tz)::date
		  AND p.period_to >= ($1::timestamptz AT TIME ZONE o.tz)::date`, now, readSince)
	if err != nil {
		return 0, fmt.Errorf("rewant reports: %w", err)
	}
	return tag.RowsAffected(), nil
}

// RewantAssumed asks again for the stored periods built with an open
// outage assumed to end before assumeEnd (an earlier quarter hour), read
// since readSince and not built ahead for it: the refresher builds them
// for the new quarter hour before the next read has to. It returns how
// many.
func (s *Store) RewantAssumed(ctx context.Context, assumeEnd, readSince time.Time) (int64, error) {
	tag, err := s.pool.Exec(ctx, `UPDATE report_periods SET built_at = NULL
		WHERE assumed_end < $1 AND built_at IS NOT NULL AND read_at > $2
		  AND NOT EXISTS (SELECT 1 FROM report_periods_next n WHERE n.office_code = report_periods.office_code
			AND n.period_from = report_periods.period_from AND n.period_to = report_periods.period_to
			AND n.asked_from = report_periods.asked_from AND n.assumed_end = $1)`, assumeEnd, readSince)
	if err != nil {
		return 0, fmt.Errorf("rewant reports: %w", err)
	}
	return tag.RowsAffected(), nil
}

// TouchReports notes that codes' periods at k were read (periods left
// unread for long are pruned).
func (s *Store) TouchReports(ctx context.Context, codes []string, k ReportKey, now time.Time) error {
	_, err := s.pool.Exec(ctx, `UPDATE report_periods SET read_at = $5
		WHERE office_code = ANY($1) AND period_from = $2::date AND period_to = $3::date AND asked_from = $4::date`,
		codes, k.From.String(), k.To.String(), k.Asked.String(), now)
	if err != nil {
		return fmt.Errorf("touch reports: %w", err)
	}
	return nil
}

// PutReports stores offices' periods at k. With onlyWanted it fills only
// rows still waiting to be built (a request's build, which must not
// overwrite the refresher's later one); it returns how many it stored.
func (s *Store) PutReports(ctx context.Context, k ReportKey, rs []StoredReport, onlyWanted bool, now time.Time) (int, error) {
	if len(rs) == 0 {
		return 0, nil
	}
	// A request fills only a row still waiting (UPDATE, never INSERT): its
	// inputs may predate a mark the refresher has since consumed by
	// rebuilding (or dropping) that row.
	q := `UPDATE report_periods p SET built_at = $4, settled = u.settled, feasible = u.feasible, earliest = u.earliest,
			clearance = u.clearance::date, outages = u.outages, totals = u.totals, availability = u.availability, days = u.days,
			valid_on = u.valid_on::date, avail_part = u.avail_part, assumed_end = u.assumed_end, plan = u.plan
		FROM unnest($5::text[], $6::boolean[], $7::boolean[], $8::boolean[], $9::text[], $10::integer[], $11::jsonb[], $12::jsonb[], $13::bytea[],
				$14::text[], $15::jsonb[], $16::timestamptz[], $17::jsonb[])
			AS u(office_code, settled, feasible, earliest, clearance, outages, totals, availability, days, valid_on, avail_part, assumed_end, plan)
		WHERE p.office_code = u.office_code AND p.period_from = $1::date AND p.period_to = $2::date AND p.asked_from = $3::date
		  AND p.built_at IS NULL`
	if !onlyWanted {
		q = `INSERT INTO report_periods (office_code, period_from, period_to, asked_from, built_at, settled,
				feasible, earliest, clearance, outages, totals, availability, days, valid_on, avail_part, assumed_end, plan)
			SELECT u.office_code, $1::date, $2::date, $3::date, $4, u.settled, u.feasible, u.earliest, u.clearance::date,
				u.outages, u.totals, u.availability, u.days, u.valid_on::date, u.avail_part, u.assumed_end, u.plan
			FROM unnest($5::text[], $6::boolean[], $7::boolean[], $8::boolean[], $9::text[], $10::integer[], $11::jsonb[], $12::jsonb[], $13::bytea[],
					$14::text[], $15::jsonb[], $16::timestamptz[], $17::jsonb[])
				AS u(office_code, settled, feasible, earliest, clearance, outages, totals, availability, days, valid_on, avail_part, assumed_end, plan)
			ON CONFLICT (office_code, period_from, period_to, asked_from) DO UPDATE SET built_at = EXCLUDED.built_at,
				settled = EXCLUDED.settled, feasible = EXCLUDED.feasible, earliest = EXCLUDED.earliest,
				clearance = EXCLUDED.clearance, outages = EXCLUDED.outages, totals = EXCLUDED.totals,
				availability = EXCLUDED.availability, days = EXCLUDED.days, valid_on = EXCLUDED.valid_on,
				avail_part = EXCLUDED.avail_part, assumed_end = EXCLUDED.assumed_end, plan = EXCLUDED.plan`
	}
	tag, err := s.pool.Exec(ctx, q, append([]any{k.From.String(), k.To.String(), k.Asked.String(), now}, storedArrays(rs)...)...)
	if err != nil {
		return 0, fmt.Errorf("put reports %s..%s: %w", k.From, k.To, err)
	}
	return int(tag.RowsAffected()), nil
}

// storedArrays are rs as the columns PutReports and PutNextReports unnest
// ($5 to $17).
func storedArrays(rs []StoredReport) []any {
	n := len(rs)
	var (
		offices, clearances  = make([]string, n), make([]*string, n)
		settled, feas, earl  = make([]bool, n), make([]bool, n), make([]bool, n)
		outages              = make([]int32, n)
		totals, avail, packs = make([][]byte, n), make([][]byte, n), make([][]byte, n)
		validOn, parts       = make([]*string, n), make([][]byte, n)
		assumed, plans       = make([]*time.Time, n), make([][]byte, n)
	)
	for i, r := range rs {
		offices[i], settled[i], feas[i], earl[i], outages[i] = r.Office, r.Settled, r.Feasible, r.Earliest, int32(r.Outages)
		totals[i], avail[i], parts[i], assumed[i], plans[i] = r.Totals, r.Availability, r.AvailPart, r.AssumedEnd, r.Plan
		if r.ValidOn != nil {
			v := r.ValidOn.String()
			validOn[i] = &v
		}
		if r.Clearance != nil {
			c := r.Clearance.String()
			clearances[i] = &c
		}
		if r.Settled {
			packs[i] = packDays(r.Days)
		}
	}
	return []any{offices, settled, feas, earl, clearances, outages, jsonArray(totals), jsonArray(avail), packs, validOn, jsonArray(parts),
		assumed, jsonArray(plans)}
}

// PutNextReports stores offices' periods at k built ahead for the next
// quarter hour (each with its AssumedEnd) beside their stored periods; an
// office whose period is no longer stored is skipped.
func (s *Store) PutNextReports(ctx context.Context, k ReportKey, rs []StoredReport, now time.Time) error {
	if len(rs) == 0 {
		return nil
	}
	_, err := s.pool.Exec(ctx, `INSERT INTO report_periods_next AS n (office_code, period_from, period_to, asked_from, assumed_end, built_at,
			feasible, earliest, clearance, outages, totals, availability, days, valid_on, avail_part, plan)
		SELECT u.office_code, $1::date, $2::date, $3::date, u.assumed_end, $4, u.feasible, u.earliest, u.clearance::date,
			u.outages, u.totals, u.availability, u.days, u.valid_on::date, u.avail_part, u.plan
		FROM unnest($5::text[], $6::boolean[], $7::boolean[], $8::boolean[], $9::text[], $10::integer[], $11::jsonb[], $12::jsonb[], $13::bytea[],
				$14::text[], $15::jsonb[], $16::timestamptz[], $17::jsonb[])
			AS u(office_code, settled, feasible, earliest, clearance, outages, totals, availability, days, valid_on, avail_part, assumed_end, plan)
		WHERE u.assumed_end IS NOT NULL AND EXISTS (SELECT 1 FROM report_periods p WHERE p.office_code = u.office_code
			AND p.period_from = $1::date AND p.period_to = $2::date AND p.asked_from = $3::date)
		ON CONFLICT (office_code, period_from, period_to, asked_from) DO UPDATE SET assumed_end = EXCLUDED.assumed_end,
			built_at = EXCLUDED.built_at, feasible = EXCLUDED.feasible, earliest = EXCLUDED.earliest, clearance = EXCLUDED.clearance,
			outages = EXCLUDED.outages, totals = EXCLUDED.totals, availability = EXCLUDED.availability, days = EXCLUDED.days,
			valid_on = EXCLUDED.valid_on, avail_part = EXCLUDED.avail_part, plan = EXCLUDED.plan`,
		append([]any{k.From.String(), k.To.String(), k.Asked.String(), now}, storedArrays(rs)...)...)
	if err != nil {
		return fmt.Errorf("put next reports %s..%s: %w", k.From, k.To, err)
	}
	return nil
}

// AheadWork returns up to limit stored periods to build ahead for the
// quarter hour whose open outages are assumed to end at next: those built
// for the current one (assumed to end at slot), read since readSince,
// valid on the office's date at ahead (the instant they are built for:
// one whose date changes first is built when read), and not built ahead
// yet.
func (s *Store) AheadWork(ctx context.Context, slot, next, readSince, ahead time.Time, limit int) ([]ReportEntry, error) {
	rows, err := s.pool.Query(ctx, `SELECT p.office_code, to_char(p.period_from, 'YYYY-MM-DD'), to_char(p.period_to, 'YYYY-MM-DD'),
			to_char(p.asked_from, 'YYYY-MM-DD'), true
		FROM report_periods p JOIN offices o ON o.code = p.office_code
		WHERE p.assumed_end = $1 AND p.built_at IS NOT NULL AND p.settled AND p.read_at > $3
		  AND (p.valid_on IS NULL OR p.valid_on = ($4::timestamptz AT TIME ZONE o.tz)::date)
		  AND NOT EXISTS (SELECT 1 FROM report_periods_next n WHERE n.office_code = p.office_code AND n.period_from = p.period_from
			AND n.period_to = p.period_to AND n.asked_from = p.asked_from AND n.assumed_end = $2)
		ORDER BY p.read_at DESC LIMIT $5`, slot, next, readSince, ahead, limit)
	if err != nil {
		return nil, fmt.Errorf("report periods ahead: %w", err)
	}
	return scanEntries(rows)
}

// PromoteNextReports moves the periods built ahead for the quarter hour
// whose open outages are assumed to end at slot into their stored
// periods, where those hold an earlier quarter hour (the refresher, at
// each pass: the next quarter hour's row then becomes free to build). It
// returns how many.
func (s *Store) PromoteNextReports(ctx context.Context, slot time.Time) (int64, error) {
	tag, err := s.pool.Exec(ctx, `UPDATE report_periods p SET built_at = n.built_at, settled = true, feasible = n.feasible,
			earliest = n.earliest, clearance = n.clearance, outages = n.outages, totals = n.totals, availability = n.availability,
			days = n.days, valid_on = n.valid_on, avail_part = n.avail_part, assumed_end = n.assumed_end, plan = n.plan
		FROM report_periods_next n
		WHERE n.assumed_end = $1 AND p.office_code = n.office_code AND p.period_from = n.period_from AND p.period_to = n.period_to
		  AND p.asked_from = n.asked_from AND p.built_at IS NOT NULL AND p.assumed_end < $1`, slot)
	if err != nil {
		return 0, fmt.Errorf("promote next reports: %w", err)
	}
	return tag.RowsAffected(), nil
}

// jsonArray passes JSON documents as a jsonb[] parameter (nil as NULL).
func jsonArray(docs [][]byte) []*string {
	out := make([]*string, len(docs))
	for i, d := range docs {
		if d != nil {
			s := string(d)
			out[i] = &s
		}
	}
	return out
}

// DropReports forgets codes' periods at k (ones that cannot be built).
func (s *Store) DropReports(ctx context.Context, codes []string, k ReportKey) error {
	_, err := s.pool.Exec(ctx, `DELETE FROM report_periods WHERE office_code = ANY($1) AND period_from = $2::date
		AND period_to = $3::date AND asked_from = $4::date`, codes, k.From.String(), k.To.String(), k.Asked.String())
	if err != nil {
		return fmt.Errorf("drop reports: %w", err)
	}
	return nil
}

// OpenCentralOutages returns, per office of codes, the start of its
// earliest central outage still open (what makes a report assume an end).
func (s *Store) OpenCentralOutages(ctx context.Context, codes []string) (map[string]time.Time, error) {
	rows, err := s.pool.Query(ctx, `SELECT office_code, min(started_at) FROM outages
		WHERE office_code = ANY($1) AND ended_at IS NULL AND kind = 'down' AND target_kind = 'central' AND cause = 'central'
		GROUP BY office_code`, codes)
	if err != nil {
		return nil, fmt.Errorf("open central outages: %w", err)
	}
	out := map[string]time.Time{}
	var (
		code string
		at   time.Time
	)
	if _, err := pgx.ForEachRow(rows, []any{&code, &at}, func() error { out[code] = at; return nil }); err != nil {
		return nil, fmt.Errorf("open central outages: %w", err)
	}
	return out, nil
}

// OpenDownSince returns, per office of codes, the start of its earliest
// down outage of a central target still open, whatever its cause (what
// the office page calls "open since").
func (s *Store) OpenDownSince(ctx context.Context, codes []string) (map[string]time.Time, error) {
	rows, err := s.pool.Query(ctx, `SELECT office_code, min(started_at) FROM outages
		WHERE office_code = ANY($1) AND ended_at IS NULL AND kind = 'down' AND target_kind = 'central'
		GROUP BY office_code`, codes)
	if err != nil {
		return nil, fmt.Errorf("open outages: %w", err)
	}
	out := map[string]time.Time{}
	var (
		code string
		at   time.Time
	)
	if _, err := pgx.ForEachRow(rows, []any{&code, &at}, func() error { out[code] = at; return nil }); err != nil {
		return nil, fmt.Errorf("open outages: %w", err)
	}
	return out, nil
}

// ReportMark is one mark of an input change: the office's stored periods
// that end at or after From − Reach days are stale.
type ReportMark struct {
	Office string
	ID     int64
	From   calendar.Date
	Reach  int
}

// Reaches says whether the mark makes a period ending on to stale.
func (m ReportMark) Reaches(to calendar.Date) bool { return !m.From.After(to.AddDays(m.Reach)) }

// ReportEntry is a stored (or wanted) period.
type ReportEntry struct {
	Office string
	Key    ReportKey
	Built  bool
}

// ReportWork returns up to limit marks (of whole offices: an office's
// marks are never split) and the stored periods of their offices, and up
// to limit periods waiting to be built.
func (s *Store) ReportWork(ctx context.Context, limit int) ([]ReportMark, []ReportEntry, error) {
	rows, err := s.pool.Query(ctx, `WITH o AS (SELECT DISTINCT office_code FROM report_dirty ORDER BY office_code LIMIT $1)
		SELECT d.office_code, d.id, to_char(d.from_day, 'YYYY-MM-DD'), d.reach FROM report_dirty d JOIN o USING (office_code)
		ORDER BY d.office_code, d.id`, limit)
	if err != nil {
		return nil, nil, fmt.Errorf("report marks: %w", err)
	}
	var (
		marks []ReportMark
		m     ReportMark
		day   string
	)
	_, err = pgx.ForEachRow(rows, []any{&m.Office, &m.ID, &day, &m.Reach}, func() error {
		var err error
		if m.From, err = calendar.ParseDate(day); err != nil {
			return err
		}
		marks = append(marks, m)
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("report marks: %w", err)
	}
	var offices []string
	for i, m := range marks {
		if i == 0 || marks[i-1].Office != m.Office {
			offices = append(offices, m.Office)
		}
	}
	rows, err = s.pool.Query(ctx, `SELECT office_code, to_char(period_from, 'YYYY-MM-DD'), to_char(period_to, 'YYYY-MM-DD'),
			to_char(asked_from, 'YYYY-MM-DD'), built_at IS NOT NULL
		FROM report_periods WHERE office_code = ANY($1)
		UNION
		(SELECT office_code, to_char(period_from, 'YYYY-MM-DD'), to_char(period_to, 'YYYY-MM-DD'),
			to_char(asked_from, 'YYYY-MM-DD'), false
		FROM report_periods WHERE built_at IS NULL LIMIT $2)`, offices, limit)
	if err != nil {
		return nil, nil, fmt.Errorf("report periods: %w", err)
	}
	entries, err := scanEntries(rows)
	if err != nil {
		return nil, nil, err
	}
	return marks, entries, nil
}

// scanEntries reads rows of office, from, to, asked and built.
func scanEntries(rows pgx.Rows) ([]ReportEntry, error) {
	var (
		entries        []ReportEntry
		e              ReportEntry
		from, to, askd string
	)
	_, err := pgx.ForEachRow(rows, []any{&e.Office, &from, &to, &askd, &e.Built}, func() error {
		var err error
		if e.Key.From, err = calendar.ParseDate(from); err != nil {
			return err
		}
		if e.Key.To, err = calendar.ParseDate(to); err != nil {
			return err
		}
		if e.Key.Asked, err = calendar.ParseDate(askd); err != nil {
			return err
		}
		entries = append(entries, e)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("report periods: %w", err)
	}
	return entries, nil
}

// ClearReportMarks deletes marks whose periods have been rebuilt from
// inputs read after the marks were (marks written since stay).
func (s *Store) ClearReportMarks(ctx context.Context, marks []ReportMark) error {
	if len(marks) == 0 {
		return nil
	}
	offices, ids := make([]string, len(marks)), make([]int64, len(marks))
	for i, m := range marks {
		offices[i], ids[i] = m.Office, m.ID
	}
	// A period built ahead before these marks' changes goes with them (its
	// period was rebuilt, or held, from inputs read after).
	_, err := s.pool.Exec(ctx, `WITH ahead AS (DELETE FROM report_periods_next WHERE office_code = ANY($1))
		DELETE FROM report_dirty d USING unnest($1::text[], $2::bigint[]) AS u(o, id)
		WHERE d.office_code = u.o AND d.id = u.id`, offices, ids)
	if err != nil {
		return fmt.Errorf("clear report marks: %w", err)
	}
	return nil
}

// PruneReports deletes stored periods not read since before, and those
// built for an office date that has passed everywhere by now (a period
// through today read yesterday: the next read builds it again).
func (s *Store) PruneReports(ctx context.Context, before, now time.Time) (int64, error) {
	tag, err := s.pool.Exec(ctx, `WITH ahead AS (DELETE FROM report_periods_next WHERE assumed_end < $3)
		DELETE FROM report_periods WHERE read_at < $1 OR valid_on < $2::date`,
		before, calendar.DateOf(now.Add(-48*time.Hour), time.UTC).String(), now.Add(-time.Hour))
	if err != nil {
		return 0, fmt.Errorf("prune reports: %w", err)
	}
	return tag.RowsAffected(), nil
}

// WithReportRefresh runs fn holding the refresher's lock, so two replicas
// never rebuild at once (the older build could land last after the newer
// one cleared the marks); false, without running fn, when another holds it.
func (s *Store) WithReportRefresh(ctx context.Context, fn func(context.Context) error) (bool, error) {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return false, fmt.Errorf("report refresh lock: %w", err)
	}
	defer conn.Release()
	var ok bool
	if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock(hashtextextended('pantau.report.refresh', 0))`).Scan(&ok); err != nil {
		return false, fmt.Errorf("report refresh lock: %w", err)
	}
	if !ok {
		return false, nil
	}
	defer func() {
		if _, err := conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock(hashtextextended('pantau.report.refresh', 0))`); err != nil {
			// A lock we cannot release goes with its connection.
			conn.Conn().Close(context.WithoutCancel(ctx))
		}
	}()
	return true, fn(ctx)
}
