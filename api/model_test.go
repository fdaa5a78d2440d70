package api_test

import (
	"encoding/json"
	"testing"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/report/calendar"
)

func TestIntakeRowJSONAndBounds(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in string
		decodes  bool
		field    string // Validate's field, when it decodes; "" is valid
	}{
		{"complete", `{"date":"2020-01-08","type":"KK","received":35,"completed":12}`, true, ""},
		{"completed may be null", `{"date":"2020-01-08","type":"KK","received":35,"completed":null}`, true, ""},
		{"completed may be missing", `{"date":"2020-01-08","type":"KK","received":35}`, true, ""},
		{"received null", `{"date":"2020-01-08","type":"KK","received":null}`, false, ""},
		{"received missing", `{"date":"2020-01-08","type":"KK"}`, false, ""},
		{"date null", `{"date":null,"type":"KK","received":1}`, false, ""},
		{"type null", `{"date":"2020-01-08","type":null,"received":1}`, false, ""},
		{"unknown field", `{"date":"2020-01-08","type":"KK","received":1,"recieved":2}`, false, ""},
		{"before 2000", `{"date":"1900-01-01","type":"KK","received":1}`, true, "date"},
		{"the first of 2000", `{"date":"2000-01-01","type":"KK","received":1}`, true, ""},
		{"past 2100", `{"date":"2101-01-01","type":"KK","received":1}`, true, "date"},
		{"NUL in type", `{"date":"2020-01-08","type":"K\u0000K","received":1}`, true, "type"},
		{"count past the bound", `{"date":"2020-01-08","type":"KK","received":1000000000}`, true, "received"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var r api.IntakeRow
			err := json.Unmarshal([]byte(tc.in), &r)
			if (err == nil) != tc.decodes {
				t.Fatalf("decode: %v, want decoded %v", err, tc.decodes)
			}
			if err != nil {
				return
			}
			if got := api.ErrorField(r.Validate()); got != tc.field {
				t.Fatalf("Validate = %v, want field %q", r.Validate(), tc.field)
			}
		})
	}
	if err := api.CheckDate("to", calendar.D(1, 1, 1)); api.ErrorField(err) != "to" {
		t.Fatalf("year 1: %v", err)
	}
}
