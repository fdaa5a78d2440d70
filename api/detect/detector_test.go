package detect_test

import (
	"reflect"
	"testing"

	"github.com/pantau-id/pantau/api/postgres"
)

func TestCauseCentralAndLocal(t *testing.T) {
	t.Parallel()
	w := newWorld(t, map[string]string{"73.71": "73"})
	// Central cut while the internet answers, then the office goes offline.
	w.deliver("73.71", series("73.71", "central", 0, "++-----++++++-------++"))
	w.deliver("73.71", series("73.71", "internet", 0, "++++++++++++-------++"))
	w.clock.Set(at(22))
	w.drain()
	got := spans(w.outages(postgres.OutageFilter{Kind: "all"}))
	want := []string{
		"73.71/central down 2..7 central",
		"73.71/internet down 12..19 local",
		"73.71/central down 13..20 local",
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("outages\n got  %q\n want %q", got, want)
	}
}

func TestSpoolAfterThreeDaysReplacesUnknown(t *testing.T) {
	t.Parallel()
	w := newWorld(t, map[string]string{"73.71": "73"})
	w.deliver("73.71", series("73.71", "central", 0, "++++"))
	w.deliver("73.71", series("73.71", "internet", 0, "++++"))
	w.drain()
	// Three days of silence: the probe is unknown from its last result.
	threeDays := 3 * 24 * 60 * 2
	w.clock.Set(at(threeDays))
	w.drain()
	got := spans(w.outages(postgres.OutageFilter{Kind: "all", TargetKind: "central"}))
	if want := []string{"73.71/central unknown 3..open unknown"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("while silent\n got  %q\n want %q", got, want)
	}
	// The spool arrives, newest first, in batches: the central target was
	// cut after an hour, the internet stayed up.
	var central, internet []obs
	for i := 4; i < threeDays; i++ {
		central = append(central, obs{office: "73.71", target: "central", at: at(i), ok: i < 120})
		internet = append(internet, obs{office: "73.71", target: "internet", at: at(i), ok: true})
	}
	for end := len(central); end > 0; end -= 1000 {
		start := max(0, end-1000)
		w.deliver("73.71", append(central[start:end:end], internet[start:end]...))
		if end%3000 == 0 {
			w.drain()
		}
	}
	w.drain()
	got = spans(w.outages(postgres.OutageFilter{Kind: "all", TargetKind: "central"}))
	if want := []string{"73.71/central down 120..open central"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("after the spool\n got  %q\n want %q", got, want)
	}
}
