// Package report is Pantau's pure model of what an outage costs an office:
// documents stuck, the overtime that clears them inside their SLA, its
// price, and the office's availability. It reads nothing and writes
// nothing; the database layer fills an Input, the web layer renders the
// Report. Everything is standard library only.
//
// The pieces, each in its own package:
//
//   - calendar: office zone (WIB/WITA/WIT), working and counter hours per
//     weekday, Ramadan schedules, holidays and collective leave (LoadHolidays
//     reads them from a file), and the working-time arithmetic of deadlines;
//   - doctype: the adminduk document catalogue (needs the central system?,
//     SLA, staff-minutes) with per-office overrides;
//   - backlog: the 15-minute simulation and the overtime planner;
//   - sla: availability over a period from up/down/unknown/maintenance
//     intervals, 24x7 and in working hours, with MTTR and MTBF.
//
// This package joins them: Build runs one office's period (a "what if" is
// the same call with an open outage closed at an assumed end) and gives per
// day the files received, completed and pending, the planned overtime and
// its cost, the files past their SLA and by how much, and for the period
// the breaches, SLA compliance and the projected clearance date. Aggregate
// sums offices into a province or the whole country.
//
// Instants in and out are UTC time.Time; office dates are calendar.Date in
// the office's zone. Money is whole rupiah.
package report
