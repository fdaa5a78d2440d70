package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestIncidentTablesShowSlackAcknowledgement: who pressed "Acknowledge" in
// Slack shows beside the incident on the province page.
func TestIncidentTablesShowSlackAcknowledgement(t *testing.T) {
	f := newWebFixture(t)
	ctx := context.Background()
	start := f.now.Add(-3 * time.Hour)
	var id int64
	err := f.store.Pool().QueryRow(ctx, `INSERT INTO incidents (started_at, scope, province_code, peak_offices, monitored_offices)
		VALUES ($1, 'office', '73', 1, 2) RETURNING id`, start).Scan(&id)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.store.Pool().Exec(ctx, `INSERT INTO incident_offices (office_code, incident_id, started_at) VALUES ('73.71', $1, $2)`, id, start); err != nil {
		t.Fatal(err)
	}
	_, body := f.do(t, "prov73", "GET", "/provinces/73", nil, false)
	if !strings.Contains(body, "Ditangani (Slack)") || strings.Contains(body, "U0KEPALA") {
		t.Fatalf("unacknowledged incident: column missing or someone shown")
	}
	if _, err := f.store.Pool().Exec(ctx, `INSERT INTO escalation_incidents (office_code, incident_id, scope, cause, offices, started_at, first_seen_at, acked_at, acked_by)
		VALUES ('73.71', $1, 'office', 'central', '[]', $2, $2, $3, 'U0KEPALA')`, id, start, f.now.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	_, body = f.do(t, "prov73", "GET", "/provinces/73", nil, false)
	if !strings.Contains(body, "U0KEPALA") {
		t.Fatalf("acknowledgement not shown on the province page")
	}
	_, body = f.do(t, "prov73", "GET", "/api/v1/incidents/"+strconv.FormatInt(id, 10), nil, false)
	if !strings.Contains(body, `"acknowledged_by":"U0KEPALA"`) {
		t.Fatalf("acknowledgement not in the incident's JSON: %s", body)
	}
}

// TestAdminPageListsGivenUpSlackMessages: a message that exhausted its
// retries is visible to an admin.
func TestAdminPageListsGivenUpSlackMessages(t *testing.T) {
	f := newWebFixture(t)
	ctx := context.Background()
	_, err := f.store.Pool().Exec(ctx, `INSERT INTO escalation_outbox (office_code, idem_key, channel_id, kind, message, status, attempts, last_error, next_attempt_at, created_at)
		VALUES ('73.71', 'incident:1:C0SULSEL:open', 'C0SULSEL', 'open', '{}', 'given_up', 10, 'channel_not_found', now(), now())`)
	if err != nil {
		t.Fatal(err)
	}
	_, body := f.do(t, "admin", "GET", "/admin", nil, false)
	if !strings.Contains(body, "channel_not_found") || !strings.Contains(body, "C0SULSEL") || !strings.Contains(body, "/admin/slack/retry") {
		t.Fatalf("given-up message (with its retry button) not on the admin page")
	}
	// Its button puts it back in line; the page no longer lists it.
	resp, body := f.do(t, "admin", "POST", "/admin/slack/retry", url.Values{"office": {"73.71"}, "id": {"1"}}, false)
	if resp.StatusCode != http.StatusOK || strings.Contains(body, "channel_not_found") {
		t.Fatalf("retry: %d, page still lists the message", resp.StatusCode)
	}
	var status string
	if err := f.store.Pool().QueryRow(ctx, `SELECT status FROM escalation_outbox WHERE id = 1`).Scan(&status); err != nil || status != "pending" {
		t.Fatalf("after retry: %q, %v; want pending", status, err)
	}
	if resp, _ := f.do(t, "admin", "POST", "/admin/slack/retry", url.Values{"office": {"73.71"}, "id": {"1"}}, false); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("retry of a message not given up: %d, want 404", resp.StatusCode)
	}
}
