package calendar

import "time"

// maxScanDays bounds searches for working time; Validate guarantees a
// working weekday, so only a calendar made of holidays could reach it.
const maxScanDays = 3660

// WorkStart is the instant working time starts on d (zero Time if closed).
func (c *Calendar) WorkStart(d Date) time.Time {
	s := c.WorkHours(d)
	if !s.Open() {
		return time.Time{}
	}
	return d.In(c.Zone, s.Start)
}

// WorkEnd is the instant working time ends on d (zero Time if closed).
func (c *Calendar) WorkEnd(d Date) time.Time {
	s := c.WorkHours(d)
	if !s.Open() {
		return time.Time{}
	}
	return d.In(c.Zone, s.End)
}

// WorkingDayOnOrAfter is the first working day not before d.
func (c *Calendar) WorkingDayOnOrAfter(d Date) Date {
	for i := 0; i < maxScanDays && !c.IsWorkingDay(d); i++ {
		d = d.AddDays(1)
	}
	return d
}

// NthWorkingDayAfter is the n-th working day strictly after d; n = 0 gives
// the first working day on or after d.
func (c *Calendar) NthWorkingDayAfter(d Date, n int) Date {
	if n <= 0 {
		return c.WorkingDayOnOrAfter(d)
	}
	for i := 0; n > 0 && i < maxScanDays; i++ {
		d = d.AddDays(1)
		if c.IsWorkingDay(d) {
			n--
		}
	}
	return d
}

// AddWorkingTime is the instant when dur of working time has passed after
// t, counting only working hours. Time before the day's start or after its
// end does not count; a result that lands exactly on the end of a working
// day stays there rather than moving to the next morning.
func (c *Calendar) AddWorkingTime(t time.Time, dur time.Duration) time.Time {
	d := c.Date(t)
	for i := 0; i < maxScanDays; i, d = i+1, d.AddDays(1) {
		s := c.WorkHours(d)
		if !s.Open() {
			continue
		}
		start, end := d.In(c.Zone, s.Start), d.In(c.Zone, s.End)
		if t.After(start) {
			start = t
		}
		if !start.Before(end) {
			continue
		}
		if left := end.Sub(start); dur <= left {
			return start.Add(dur)
		} else {
			dur -= left
		}
	}
	return t.Add(dur)
}

// WorkingTime is the working time between a and b (zero if b is not after a).
func (c *Calendar) WorkingTime(a, b time.Time) time.Duration {
	var sum time.Duration
	for _, iv := range c.WorkingSpans(a, b) {
		sum += iv[1].Sub(iv[0])
	}
	return sum
}

// WorkingSpans lists the working stretches inside [a, b) as UTC pairs,
// in order; availability in working hours is measured over them.
func (c *Calendar) WorkingSpans(a, b time.Time) [][2]time.Time {
	var out [][2]time.Time
	if !b.After(a) {
		return nil
	}
	for d := c.Date(a).AddDays(-1); !d.After(c.Date(b)); d = d.AddDays(1) {
		s := c.WorkHours(d)
		if !s.Open() {
			continue
		}
		lo, hi := d.In(c.Zone, s.Start), d.In(c.Zone, s.End)
		if lo.Before(a) {
			lo = a
		}
		if hi.After(b) {
			hi = b
		}
		if lo.Before(hi) {
			out = append(out, [2]time.Time{lo, hi})
		}
	}
	return out
}
