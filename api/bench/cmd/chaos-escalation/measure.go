package main

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// counts are one scenario's figures.
type counts struct {
	incidents, late, merged, tops, posts int
	extra, lost, stale, dups             int
	// firstAlert: each incident's first top-level message after its start
	// (the first failing check, the fault as the probes saw it).
	firstAlert []time.Duration
	// officeAlert and gatherWait: each incident's first office-level top
	// message after its start, and after escalation first saw it (what the
	// gather window adds).
	officeAlert, gatherWait []time.Duration
	early                   int // calls of a paused family before Retry-After ended
	// agentBack: the real agent's outage seen by escalation after the
	// server came back (the late scenario); 0 when not measured.
	agentBack time.Duration
}

func (c *counts) add(o counts) {
	c.extra += o.extra
	c.lost += o.lost
	c.stale += o.stale
	c.dups += o.dups
	c.firstAlert = append(c.firstAlert, o.firstAlert...)
	c.officeAlert = append(c.officeAlert, o.officeAlert...)
	c.gatherWait = append(c.gatherWait, o.gatherWait...)
}

// span writes the least and greatest of ds, or "-".
func span(ds []time.Duration) string {
	if len(ds) == 0 {
		return "-"
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return fmt.Sprintf("%s..%s", s[0].Round(100*time.Millisecond), s[len(s)-1].Round(100*time.Millisecond))
}

func (c counts) String() string {
	return fmt.Sprintf("incidents=%d late=%d merged=%d top_level=%d posts=%d extra_top_level=%d lost=%d stale=%d duplicates=%d "+
		"first_alert_after_fault=%s office_alert_after_fault=%s gather_wait=%s calls_in_pause=%d",
		c.incidents, c.late, c.merged, c.tops, c.posts, c.extra, c.lost, c.stale, c.dups,
		span(c.firstAlert), span(c.officeAlert), span(c.gatherWait), c.early) + c.agentLine()
}

func (c counts) agentLine() string {
	if c.agentBack == 0 {
		return ""
	}
	return fmt.Sprintf(" agent_outage_seen_after_server_back=%s", c.agentBack.Round(100*time.Millisecond))
}

// measure compares what Slack holds with what escalation decided. A
// merged incident's messages count as its survivor's: one top message per
// cut and channel, whichever incident posted it.
func measure(ctx context.Context, conn *pgx.Conn, slack *slackAPI) (counts, error) {
	type inc struct {
		started, firstSeen time.Time
		ended              *time.Time
		late, retracted    bool
		merged             int64
	}
	incs := map[int64]inc{}
	rows, err := conn.Query(ctx, `SELECT incident_id, started_at, ended_at, first_seen_at, late, retracted,
		coalesce(merged_into, 0) FROM escalation_incidents`)
	if err != nil {
		return counts{}, fmt.Errorf("read incidents: %w", err)
	}
	var (
		id int64
		i  inc
	)
	if _, err := pgx.ForEachRow(rows, []any{&id, &i.started, &i.ended, &i.firstSeen, &i.late, &i.retracted, &i.merged}, func() error {
		incs[id] = i
		return nil
	}); err != nil {
		return counts{}, fmt.Errorf("read incidents: %w", err)
	}
	survivor := func(id int64) int64 {
		for range 16 {
			i, ok := incs[id]
			if !ok || !i.retracted || i.merged == 0 {
				break
			}
			id = i.merged
		}
		return id
	}
	type thread struct {
		id                  int64
		channel, level, top string
		step                bool
	}
	var threads []thread
	rows, err = conn.Query(ctx, `SELECT incident_id, channel_id, level, step,
		coalesce(top_key, 'incident:' || incident_id || ':' || channel_id || ':open') FROM escalation_threads`)
	if err != nil {
		return counts{}, fmt.Errorf("read threads: %w", err)
	}
	var th thread
	if _, err := pgx.ForEachRow(rows, []any{&th.id, &th.channel, &th.level, &th.step, &th.top}, func() error {
		threads = append(threads, th)
		return nil
	}); err != nil {
		return counts{}, fmt.Errorf("read threads: %w", err)
	}

	var c counts
	for _, i := range incs {
		switch {
		case i.retracted && i.merged != 0:
			c.merged++
		case i.retracted:
		case i.late:
			c.incidents++
			c.late++
		default:
			c.incidents++
		}
	}
	posts := slack.Posts()
	c.posts = len(posts)
	byKey := map[string]int{}
	tops := map[string]int{}        // survivor:channel → top-level posts
	topAt := map[string]time.Time{} // key of a top-level post → when Slack took it
	replies := map[string]bool{}    // survivor:channel:kind
	for _, p := range posts {
		byKey[p.Key]++
		parts := strings.Split(p.Key, ":") // incident:<id>:<channel>:<kind>…
		if len(parts) < 4 || parts[0] != "incident" {
			continue
		}
		raw, _ := strconv.ParseInt(parts[1], 10, 64)
		id := survivor(raw)
		ic := fmt.Sprintf("%d:%s", id, parts[2])
		if p.ThreadTS == "" {
			c.tops++
			tops[ic]++
			if t, ok := topAt[p.Key]; !ok || p.At.Before(t) {
				topAt[p.Key] = p.At
			}
		} else {
			replies[ic+":"+parts[3]] = true
		}
		// Stale: a reminder after its incident ended (with the detector's
		// few seconds to learn of the end).
		if i, ok := incs[id]; ok && i.ended != nil && parts[3] == "reminder" && p.At.After(i.ended.Add(15*time.Second)) {
			c.stale++
		}
	}
	for _, n := range byKey {
		c.dups += max(n-1, 0)
	}
	for _, n := range tops {
		c.extra += max(n-1, 0)
	}
	first, firstOffice := map[int64]time.Time{}, map[int64]time.Time{}
	for _, th := range threads {
		i, ok := incs[th.id]
		if !ok || i.retracted {
			continue
		}
		ic := fmt.Sprintf("%d:%s", th.id, th.channel)
		at, posted := topAt[th.top]
		if !posted {
			c.lost++ // the top message (alert or late notice) never arrived
			continue
		}
		if i.ended != nil && !i.late && !replies[ic+":recovered"] {
			c.lost++ // the recovery notice never arrived
		}
		if th.step && i.ended != nil && at.After(i.ended.Add(15*time.Second)) {
			c.stale++ // a province or national step for an outage already over
		}
		if i.late {
			continue
		}
		if t, ok := first[th.id]; !ok || at.Before(t) {
			first[th.id] = at
		}
		if t, ok := firstOffice[th.id]; th.level == "office" && (!ok || at.Before(t)) {
			firstOffice[th.id] = at
		}
	}
	for id, at := range first {
		c.firstAlert = append(c.firstAlert, at.Sub(incs[id].started))
	}
	for id, at := range firstOffice {
		c.officeAlert = append(c.officeAlert, at.Sub(incs[id].started))
		c.gatherWait = append(c.gatherWait, at.Sub(incs[id].firstSeen))
	}
	slack.mu.Lock()
	c.early = slack.early
	slack.mu.Unlock()
	return c, nil
}
