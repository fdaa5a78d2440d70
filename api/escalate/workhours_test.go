package escalate

import (
	"testing"
	"time"
)

func TestWorkingBetween(t *testing.T) {
	at := func(day, hh, mm int) time.Time { return time.Date(2020, 1, day, hh, mm, 0, 0, makassar) }
	tests := []struct {
		name     string
		from, to time.Time
		want     time.Duration
	}{
		{"inside one day", at(8, 9, 0), at(8, 11, 0), 2 * time.Hour},              // Wednesday
		{"before opening counts nothing", at(8, 5, 0), at(8, 7, 30), 0},           //
		{"across the evening", at(8, 14, 0), at(9, 8, 30), 2 * time.Hour},         // 1h Wed + 1h Thu
		{"over a weekend", at(10, 14, 0), at(13, 8, 30), 2 * time.Hour},           // Fri 1h + Mon 1h
		{"whole weekend is nothing", at(11, 0, 0), at(13, 0, 0), 0},               // Sat–Sun
		{"a full week", at(6, 0, 0), at(13, 0, 0), 37*time.Hour + 30*time.Minute}, // Mon–Sun
		{"reversed is zero", at(8, 11, 0), at(8, 9, 0), 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := WorkingBetween(tc.from, tc.to, makassar); got != tc.want {
				t.Fatalf("got %s, want %s", got, tc.want)
			}
		})
	}
}

func TestWorkingBetweenUsesTheOfficeZone(t *testing.T) {
	// 07:00–08:00 WIB is 08:00–09:00 WITA: working in Makassar, not in Jakarta.
	from := time.Date(2020, 1, 8, 7, 0, 0, 0, jakarta)
	to := from.Add(time.Hour)
	if got := WorkingBetween(from, to, jakarta); got != 30*time.Minute {
		t.Fatalf("Jakarta: got %s, want 30m", got)
	}
	if got := WorkingBetween(from, to, makassar); got != time.Hour {
		t.Fatalf("Makassar: got %s, want 1h", got)
	}
}
