package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pantau-id/pantau/api/pgtest"
)

func TestAdminSlackRetry(t *testing.T) {
	url := pgtest.URL(t)
	if out, err := pantau(t, url, "migrate", "up"); err != nil {
		t.Fatalf("migrate: %v\n%s", err, out)
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `INSERT INTO escalation_outbox (office_code, idem_key, channel_id, kind, message,
			status, attempts, last_error, next_attempt_at, created_at)
		VALUES ('73', 'digest:73:2020-01-08', 'CSULSEL', 'digest', '{"text":"x"}', 'given_up', 10, 'slack 500', $1, $1)`,
		time.Now()); err != nil {
		t.Fatal(err)
	}
	out, err := pantau(t, url, "admin", "slack-retry", "-list")
	if err != nil || !strings.Contains(out, "digest:73:2020-01-08") || !strings.Contains(out, "slack 500") {
		t.Fatalf("list: %v\n%s", err, out)
	}
	if out, err = pantau(t, url, "admin", "slack-retry", "-id", "1"); err == nil {
		t.Fatalf("-id without -office accepted:\n%s", out)
	}
	if out, err = pantau(t, url, "admin", "slack-retry"); err != nil || !strings.Contains(out, "1 Slack message(s) back in line") {
		t.Fatalf("retry: %v\n%s", err, out)
	}
	var status string
	var attempts int
	if err := conn.QueryRow(ctx, `SELECT status, attempts FROM escalation_outbox`).Scan(&status, &attempts); err != nil || status != "pending" || attempts != 0 {
		t.Fatalf("row %s/%d, %v; want pending/0", status, attempts, err)
	}
	if out, _ = pantau(t, url, "admin", "slack-retry", "-list"); !strings.Contains(out, "no given-up Slack messages") {
		t.Fatalf("still listed:\n%s", out)
	}
}
