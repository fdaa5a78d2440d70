package postgres_test

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/pantau-id/pantau/api/pgtest"
)

// The Citus plan of docs/scaling.md, table by table. Every table of the
// schema is in exactly one list; a new table fails TestSchemaStaysDistributable
// until it is placed, with its reason.
var (
	// distributed are hash-distributed on office_code, colocated with results.
	distributed = []string{
		"results", "probes", "targets", "detection_queue", "result_rollups", "rollup_dirty",
		"series_state", "outages", "incident_offices", "incident_dirty",
		"escalation_incidents", "escalation_threads", "escalation_outbox",
		"office_intake", "office_settings", "office_doc_types", "office_ramadan", "office_closures", "office_letter",
		"report_periods", "report_periods_next", "report_dirty",
	}
	// reference tables are copied to every node: small, read everywhere,
	// written rarely. The reason says why each stays small.
	reference = map[string]string{
		"provinces":              "38 rows",
		"offices":                "514 rows (one per kota/kabupaten)",
		"users":                  "officials and staff: thousands at most",
		"incidents":              "hundreds a year; joined from every office's rows",
		"maintenance_windows":    "a few a week",
		"holidays":               "tens of dates a year, national or per province",
		"escalation_channels":    "one per office, province and the nation at most",
		"escalation_policy":      "one row",
		"retention_policy":       "one row",
		"agent_policy":           "one row",
		"api_tokens":             "a token per script: tens to hundreds",
		"enrolment_codes":        "one-time codes, looked up by hash before the office is known; a few per office",
		"agent_releases":         "signed agent releases: a few a year",
		"agent_release_binaries": "three programs per release (a few MB each), read by every agent's download",
		"agent_rollouts":         "who gets which release: a few rows per release",
	}
	// local tables stay on the coordinator: web and bookkeeping state that
	// no office query joins.
	local = map[string]string{
		"sessions":                "web sessions, read by id on the coordinator that serves the pages",
		"login_throttle":          "login throttle, per account and client",
		"slack_seen_signatures":   "Slack replay guard, pruned after minutes",
		"slack_pauses":            "workspace-wide Retry-After per method family: a handful of rows",
		"escalation_channel_pace": "next allowed call per Slack channel, locked by the sending replica",
		"slack_user_names":        "cache of Slack display names for acknowledgements",
		"goose_db_version":        "migration bookkeeping",
	}
	// byOther are distributed on another column, not colocated with results.
	byOther = map[string]string{
		"monthly_reports": "ref",
	}
)

// TestSchemaStaysDistributable reads the migrated schema from pg_catalog and
// checks the plan above holds, so docs/scaling.md's Citus plan stays true as
// the schema grows: every table is placed; every distributed table has its
// distribution column in every primary key, unique constraint, unique index
// and exclusion constraint (Citus enforces uniqueness only within a shard);
// a foreign key between distributed tables includes it; no reference table
// points at a distributed one; and docs/scaling.md lists the same tables.
func TestSchemaStaysDistributable(t *testing.T) {
	t.Parallel()
	pool := pgtest.Pool(t)
	ctx := context.Background()

	rows, err := pool.Query(ctx, `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	column := func(table string) string {
		if slices.Contains(distributed, table) {
			return "office_code"
		}
		return byOther[table]
	}
	for _, tb := range tables {
		n := 0
		for _, in := range []bool{slices.Contains(distributed, tb), reference[tb] != "", local[tb] != "", byOther[tb] != ""} {
			if in {
				n++
			}
		}
		if n != 1 {
			t.Errorf("table %s is in %d lists of the Citus plan, want exactly 1: place it (api/postgres/citus_test.go and docs/scaling.md)", tb, n)
		}
	}
	for _, list := range [][]string{distributed, keys(reference), keys(local), keys(byOther)} {
		for _, tb := range list {
			if !slices.Contains(tables, tb) {
				t.Errorf("the plan lists %s, which the schema does not have", tb)
			}
		}
	}

	// Keys: primary, unique and exclusion constraints, and unique indexes
	// (a constraint's index is listed as well; checking both is harmless).
	rows, err = pool.Query(ctx, `
		SELECT c.relname, con.conname, con.contype::text,
			array(SELECT a.attname::text FROM unnest(con.conkey) k JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k)
		FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = 'public' AND con.contype IN ('p', 'u', 'x') AND NOT c.relispartition
		UNION ALL
		SELECT c.relname, i.relname, 'i',
			array(SELECT a.attname::text FROM unnest(x.indkey) k JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k)
		FROM pg_index x JOIN pg_class c ON c.oid = x.indrelid JOIN pg_class i ON i.oid = x.indexrelid
		JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = 'public' AND x.indisunique AND NOT c.relispartition`)
	if err != nil {
		t.Fatal(err)
	}
	type key struct {
		table, name, kind string
		cols              []string
	}
	ks, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (key, error) {
		var k key
		err := r.Scan(&k.table, &k.name, &k.kind, &k.cols)
		return k, err
	})
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, k := range ks {
		col := column(k.table)
		if col == "" {
			continue
		}
		checked++
		if !slices.Contains(k.cols, col) {
			t.Errorf("%s's key %s (%v) lacks %s, its distribution column: Citus cannot enforce it across shards", k.table, k.name, k.cols, col)
		}
	}
	if checked < len(distributed) {
		t.Fatalf("only %d keys of distributed tables read; the catalog query is wrong", checked)
	}

	// Foreign keys.
	rows, err = pool.Query(ctx, `
		SELECT c.relname, f.relname, con.conname,
			array(SELECT a.attname::text FROM unnest(con.conkey) k JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k),
			array(SELECT a.attname::text FROM unnest(con.confkey) k JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k)
		FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid JOIN pg_class f ON f.oid = con.confrelid
		JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = 'public' AND con.contype = 'f' AND NOT c.relispartition AND con.conparentid = 0`)
	if err != nil {
		t.Fatal(err)
	}
	type fk struct {
		from, to, name  string
		cols, otherCols []string
	}
	fks, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (fk, error) {
		var f fk
		err := r.Scan(&f.from, &f.to, &f.name, &f.cols, &f.otherCols)
		return f, err
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fks {
		fromDist, toDist := slices.Contains(distributed, f.from), slices.Contains(distributed, f.to)
		switch {
		case reference[f.from] != "" && (toDist || byOther[f.to] != ""):
			t.Errorf("reference table %s points at distributed %s (%s): Citus refuses it", f.from, f.to, f.name)
		case fromDist && toDist:
			i := slices.Index(f.cols, "office_code")
			if i < 0 || f.otherCols[i] != "office_code" {
				t.Errorf("%s → %s (%s) does not join on office_code: it would cross shards", f.from, f.to, f.name)
			}
		case fromDist && local[f.to] != "":
			t.Errorf("distributed %s points at coordinator-local %s (%s)", f.from, f.to, f.name)
		}
	}

	// docs/scaling.md says the same.
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "scaling.md"))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, m := range regexp.MustCompile(`create_distributed_table\('(\w+)',\s*'(\w+)'`).FindAllStringSubmatch(string(doc), -1) {
		got[m[1]] = m[2]
	}
	for _, m := range regexp.MustCompile(`create_reference_table\('(\w+)'\)`).FindAllStringSubmatch(string(doc), -1) {
		got[m[1]] = "reference"
	}
	want := map[string]string{}
	for _, tb := range distributed {
		want[tb] = "office_code"
	}
	for tb, col := range byOther {
		want[tb] = col
	}
	for tb := range reference {
		want[tb] = "reference"
	}
	for tb, w := range want {
		if got[tb] != w {
			t.Errorf("docs/scaling.md: %s is %q, the plan says %q", tb, got[tb], w)
		}
	}
	for tb := range got {
		if want[tb] == "" {
			t.Errorf("docs/scaling.md places %s, which the plan does not distribute or replicate", tb)
		}
	}
	for tb := range local {
		if tb != "goose_db_version" && !strings.Contains(string(doc), tb) {
			t.Errorf("docs/scaling.md does not mention the coordinator-local table %s", tb)
		}
	}
}

func keys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
