package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/report/calendar"
)

func TestUpsertIntakeReplacesAndIsAllOrNothing(t *testing.T) {
	t.Parallel()
	s := mustModelOffices(t)
	ctx := context.Background()
	done := 70
	day := calendar.D(2020, 1, 8)
	rows := []api.IntakeRow{
		{Date: day, Type: "KK", Received: 35},
		{Date: day, Type: "AKTA-LAHIR", Received: 30, Completed: &done},
	}
	var progress []int
	if err := s.UpsertIntake(ctx, "73.71", rows, 0, time.Now(), func(d, _ int) { progress = append(progress, d) }); err != nil {
		t.Fatal(err)
	}
	if len(progress) != 1 || progress[0] != 2 {
		t.Fatalf("progress %v", progress)
	}
	rows[0].Received = 36
	if err := s.UpsertIntake(ctx, "73.71", rows[:1], 0, time.Now(), nil); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		rows  []api.IntakeRow
		field string
	}{
		{"negative", []api.IntakeRow{{Date: day, Type: "KK", Received: 1}, {Date: day, Type: "KIA", Received: -1}}, "intake[1].received"},
		{"twice", []api.IntakeRow{{Date: day, Type: "KK", Received: 1}, {Date: day, Type: "KK", Received: 2}}, "intake[1]"},
		{"no date", []api.IntakeRow{{Type: "KK", Received: 1}}, "intake[0].date"},
	}
	for _, tc := range tests {
		err := s.UpsertIntake(ctx, "73.71", tc.rows, 0, time.Now(), nil)
		if api.ErrorCode(err) != api.EInvalid || api.ErrorField(err) != tc.field {
			t.Errorf("%s: %v (field %q), want %s", tc.name, err, api.ErrorField(err), tc.field)
		}
	}
	if err := s.UpsertIntake(ctx, "99.99", rows, 0, time.Now(), nil); api.ErrorCode(err) != api.EInvalid {
		t.Errorf("unknown office: %v", err)
	}
	got, err := s.Intake(ctx, "73.71", day, day)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Type != "AKTA-LAHIR" || *got[0].Completed != 70 || got[1].Type != "KK" || got[1].Received != 36 || got[1].Completed != nil {
		t.Fatalf("intake %+v", got)
	}
	other, _ := s.Intake(ctx, "73.72", day, day)
	if len(other) != 0 {
		t.Fatalf("another office has %+v", other)
	}
}
