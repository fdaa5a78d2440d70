package detect

import (
	"time"

	"github.com/pantau-id/pantau/api"
)

// Obs is one result of a series, as the engine needs it.
type Obs struct {
	At  time.Time
	Seq int64
	OK  bool
}

// Checkpoint is the engine's state after the last result it processed. It
// holds everything the future depends on, so evaluation can resume from it
// without re-reading older results. The zero value is a series with no
// results yet.
type Checkpoint struct {
	LastAt  time.Time // observed_at of the last result processed; zero if none
	LastSeq int64
	Down    bool
	// OutageStart is the start of the open outage while Down.
	OutageStart time.Time
	// Run counts consecutive failures while up, successes while down;
	// RunStart is the first result of that run.
	Run      int
	RunStart time.Time
}

// Span is one down or unknown interval [Start, End); End is nil while open.
type Span struct {
	Kind    string // api.KindDown or api.KindUnknown
	Start   time.Time
	End     *time.Time
	EndedBy string
	// Cause is the stored cause of a span read back from the store; the
	// engine leaves it empty (causes are decided over several series).
	Cause api.Cause
}

// Rules are one series' thresholds and interval.
type Rules struct {
	Thresholds api.Thresholds
	Interval   time.Duration
}

// silence is the longest gap that still counts as consecutive results.
func (r Rules) silence() time.Duration {
	return time.Duration(r.Thresholds.SilenceAfter) * r.Interval
}

// ReplaceFrom is the earliest start of a span that evaluation resumed from
// c can emit: stored spans of the series starting at or after it are to be
// replaced by the output of Evaluate.
func (c Checkpoint) ReplaceFrom() time.Time {
	switch {
	case c.Down:
		return c.OutageStart
	case c.Run > 0:
		return c.RunStart
	}
	return c.LastAt
}

// Evaluate feeds obs (sorted by At then Seq, all after c.LastAt) to the
// engine resumed at c. It returns every span that starts at or after
// c.ReplaceFrom(), including the open ones as of now, and the checkpoint
// after the last result (the tail towards now is not part of it, so the
// checkpoint does not depend on now).
func Evaluate(c Checkpoint, obs []Obs, r Rules, now time.Time) ([]Span, Checkpoint) {
	var spans []Span
	emit := func(kind string, start time.Time, end *time.Time, by string) {
		if end != nil && !end.After(start) {
			return
		}
		spans = append(spans, Span{Kind: kind, Start: start, End: end, EndedBy: by})
	}
	silence := r.silence()
	for _, o := range obs {
		if !c.LastAt.IsZero() && o.At.Sub(c.LastAt) > silence {
			last, next := c.LastAt, o.At
			if c.Down {
				emit(api.KindDown, c.OutageStart, &last, api.EndedBySilence)
			}
			emit(api.KindUnknown, last, &next, api.EndedByData)
			c = Checkpoint{}
		}
		c = step(c, o, r.Thresholds, emit)
	}
	if c.LastAt.IsZero() {
		return spans, c
	}
	if now.Sub(c.LastAt) > silence {
		last := c.LastAt
		if c.Down {
			emit(api.KindDown, c.OutageStart, &last, api.EndedBySilence)
		}
		emit(api.KindUnknown, last, nil, "")
	} else if c.Down {
		emit(api.KindDown, c.OutageStart, nil, "")
	}
	return spans, c
}

// step applies one result to the state machine.
func step(c Checkpoint, o Obs, th api.Thresholds, emit func(string, time.Time, *time.Time, string)) Checkpoint {
	c.LastAt, c.LastSeq = o.At, o.Seq
	// A result that breaks the current run resets it; one that extends it
	// counts, remembering where it began.
	extends := o.OK == c.Down
	if !extends {
		c.Run, c.RunStart = 0, time.Time{}
		return c
	}
	if c.Run == 0 {
		c.RunStart = o.At
	}
	c.Run++
	if !c.Down && c.Run >= th.Fail {
		c.Down, c.OutageStart, c.Run = true, c.RunStart, 0
	} else if c.Down && c.Run >= th.Recover {
		end := c.RunStart
		emit(api.KindDown, c.OutageStart, &end, api.EndedByRecovery)
		c.Down, c.OutageStart, c.Run = false, time.Time{}, 0
	}
	if c.Run == 0 {
		c.RunStart = time.Time{}
	}
	return c
}
