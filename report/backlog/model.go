// Package backlog simulates an office's documents in 15-minute slots and
// plans the overtime that clears them, as DESIGN.md ("Backlog and
// overtime") sets out. New builds a Model from intake and the times the
// central system is down; Plan finds the overtime; Run replays a schedule
// and gives each document's completion. Instants are UTC; the office zone is
// used only to cut time into days and slots.
package backlog

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/pantau-id/pantau/report/calendar"
	"github.com/pantau-id/pantau/report/doctype"
)

// Slot is the simulation step.
const Slot = 15 * time.Minute

// Interval is a stretch of time [Start, End) in UTC.
type Interval struct {
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
}

// Intake is the number of files of one type received on one office date.
type Intake struct {
	Date  calendar.Date `json:"date"`
	Type  string        `json:"type"`
	Count int           `json:"count"`
}

// Office is what the simulation needs to know about an office.
type Office struct {
	Calendar *calendar.Calendar
	Types    doctype.Catalogue
	// Staff is the number of people processing files, in working hours and
	// in overtime alike.
	Staff int
	// OvertimeCap is the most overtime hours on one day.
	OvertimeCap int
}

// Config is one simulation.
type Config struct {
	Office Office
	// From is the first simulated day; the office starts it with nothing
	// pending, so start a few days before the period of interest.
	From calendar.Date
	// To is the last day of the period of interest. The model runs on past
	// it until the last deadline of any file plus TailDays, so that late
	// files are seen to completion.
	To calendar.Date
	// Intake may include days after To (a projection); none is assumed.
	Intake []Intake
	// Down lists when the central system cannot be used: outages (an open
	// one closed at its assumed end by the caller) and maintenance windows.
	Down []Interval
	// PlanFrom is the first day the planner may place overtime (zero: From);
	// days before it get none, as when the past is already worked.
	PlanFrom calendar.Date
	// TailDays extends the horizon past the last deadline (0: 7; negative:
	// none).
	TailDays int

	// receivedBy, when set, keeps only the files received by then (the
	// promise deadline judges the files received so far).
	receivedBy time.Time
}

// Doc is one simulated document.
type Doc struct {
	Type     int       // index into the office's catalogue
	Arrived  time.Time // instant the file was received
	Deadline time.Time // instant it must be complete
	// Completed is the end of the slot its work finished in; zero if still
	// pending at the end of the horizon.
	Completed time.Time
}

// Day describes one simulated office day.
type Day struct {
	Date calendar.Date
	// Start and End bound the day in UTC (local midnight to midnight).
	Start, End time.Time
	// Working is whether the day has working hours.
	Working bool
	// OvertimeStart is when overtime begins: the end of working time, or
	// the usual start of the working day on a day without working hours.
	OvertimeStart time.Time
	// MaxOvertime is the most whole hours allowed: the cap, cut at the first
	// hour that would touch a down interval or pass midnight.
	MaxOvertime int
}

// day is Day in slot indices.
type day struct {
	first, end int // slots of the day
	ws, we     int // working slots
	ot         int // first overtime slot
	maxOT      int
}

// class holds one queue's documents (0: no central system, 1: central) in
// arrival order. Each class is served first-in first-out, so what is left of
// it is always a suffix, and a queue's state is its head and the work done
// on the head.
type class struct {
	doc  []int32 // index into Model.docs
	seq  []int32 // global arrival order, to interleave the classes
	arr  []int32 // arrival slot
	work []int32 // staff-minutes
	due  []int32 // first slot boundary past the deadline budget: done in slot s is on time iff s+1 <= due
}

// Model is a prepared simulation. Plan, Replay, Run and Baseline do not
// change it, so they may be called many times and from several goroutines.
type Model struct {
	cfg      Config
	start    time.Time
	days     []day
	info     []Day
	down     []bool
	slotDay  []int32 // day index of every slot
	arrDay   []int32 // day index of each file's arrival
	dueSlot  []int32 // each file's class.due
	capWork  int32
	classes  [2]class
	docs     []Doc
	planFrom int
}

// New validates cfg and prepares the slots, days and documents.
func New(cfg Config) (*Model, error) {
	o := cfg.Office
	if err := o.Calendar.Validate(); err != nil {
		return nil, err
	}
	if err := o.Types.Validate(); err != nil {
		return nil, err
	}
	if o.Staff < 1 {
		return nil, fmt.Errorf("office: staff: %d, want at least 1", o.Staff)
	}
	if o.OvertimeCap < 0 || o.OvertimeCap > 16 {
		return nil, fmt.Errorf("office: overtime_cap: %d, want 0 to 16 hours", o.OvertimeCap)
	}
	if cfg.From.IsZero() || cfg.To.Before(cfg.From) {
		return nil, fmt.Errorf("period: from %s to %s is empty", cfg.From, cfg.To)
	}
	for i, iv := range cfg.Down {
		if !iv.End.After(iv.Start) {
			return nil, fmt.Errorf("down[%d]: end %s not after start %s", i, iv.End, iv.Start)
		}
	}
	switch {
	case cfg.TailDays == 0:
		cfg.TailDays = 7
	case cfg.TailDays < 0:
		cfg.TailDays = 0
	}
	m := &Model{cfg: cfg, capWork: int32(o.Staff * 15)}
	m.start = cfg.From.In(o.Calendar.Zone, 0)
	if err := m.buildDocs(); err != nil {
		return nil, err
	}
	var due time.Time
	for _, d := range m.docs {
		if d.Deadline.After(due) {
			due = d.Deadline
		}
	}
	last := cfg.To
	if len(m.docs) > 0 {
		last = maxDate(last, o.Calendar.Date(due))
	}
	if !cfg.receivedBy.IsZero() {
		// Files are in arrival order: keep those received by then, over
		// the horizon all of them would have (so a file late with them
		// is seen to the same end).
		m.docs = m.docs[:sort.Search(len(m.docs), func(i int) bool { return m.docs[i].Arrived.After(cfg.receivedBy) })]
	}
	m.buildDays(last.AddDays(cfg.TailDays))
	m.buildClasses()
	return m, nil
}

func maxDate(a, b calendar.Date) calendar.Date {
	if b.After(a) {
		return b
	}
	return a
}

func (m *Model) slotOf(t time.Time) int { return int(t.Sub(m.start) / Slot) }

// buildDocs spreads each intake evenly over its day's counter hours: file j
// of n arrives j/n of the way through (to the whole minute below), so the
// first comes at opening and the last before closing.
func (m *Model) buildDocs() error {
	o := m.cfg.Office
	var errs []error
	total := 0
	for _, in := range m.cfg.Intake {
		total += max(0, in.Count)
	}
	m.docs = make([]Doc, 0, total)
	for i, in := range m.cfg.Intake {
		ti := slices.IndexFunc(o.Types, func(t doctype.Type) bool { return t.Code == in.Type })
		span := o.Calendar.CounterHours(in.Date)
		switch {
		case ti < 0:
			errs = append(errs, fmt.Errorf("intake[%d]: type: unknown %q", i, in.Type))
		case in.Count < 0:
			errs = append(errs, fmt.Errorf("intake[%d]: count: %d is negative", i, in.Count))
		case in.Date.Before(m.cfg.From):
			errs = append(errs, fmt.Errorf("intake[%d]: date: %s before the period starts", i, in.Date))
		case in.Count > 0 && !span.Open():
			errs = append(errs, fmt.Errorf("intake[%d]: date: %s has no counter hours", i, in.Date))
		}
		if len(errs) > 0 || in.Count == 0 {
			continue
		}
		t := o.Types[ti]
		open := in.Date.In(o.Calendar.Zone, span.Start)
		// A day-counted deadline depends only on the date: work it out once;
		// hours and N × 24 jam count from each file's own arrival.
		due := t.SLA.Deadline(o.Calendar, open)
		for j := range in.Count {
			// Whole minutes keep reports readable; the slot is unchanged.
			at := open.Add(time.Duration(span.Minutes()*j/in.Count) * time.Minute)
			if t.SLA.Kind == doctype.Hours || t.SLA.Kind == doctype.Periods24h {
				due = t.SLA.Deadline(o.Calendar, at)
			}
			m.docs = append(m.docs, Doc{Type: ti, Arrived: at, Deadline: due})
		}
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	// Files received at the same instant queue in catalogue order, then in
	// intake order. Sorting small keys, not the documents, keeps New cheap
	// for a year of files.
	type key struct {
		minute int64
		typ, i int32
	}
	keys := make([]key, len(m.docs))
	for i, d := range m.docs {
		keys[i] = key{d.Arrived.Unix() / 60, int32(d.Type), int32(i)}
	}
	slices.SortFunc(keys, func(a, b key) int {
		if a.minute != b.minute {
			return cmp.Compare(a.minute, b.minute)
		}
		if a.typ != b.typ {
			return cmp.Compare(a.typ, b.typ)
		}
		return cmp.Compare(a.i, b.i)
	})
	sorted := make([]Doc, len(m.docs))
	for i, k := range keys {
		sorted[i] = m.docs[k.i]
	}
	m.docs = sorted
	return nil
}
