// Package escalate tells Slack about incidents: one top-level message per
// incident and channel (office, province, national), replies in its thread,
// reminders until someone presses "Tandai ditangani", a recovery notice with
// the backlog estimate, and a daily digest per province. Every message goes
// through a PostgreSQL outbox written in the caller's transaction and is
// posted exactly once by Sender.
//
// # Wiring
//
// Escalation speaks no SQL: its tables (migrations 00004 and 00013) are
// behind Store, which api/postgres's Escalation implements, and
// api.EscalationTx, escalation's view of one transaction. The detector's
// incident hook runs inside the detector's transaction with such a view:
//
//	store.Detection(esc.Hook)   // esc.Observe(ctx, tx, ev) for every incident change
//
// The server loads the policy file into the store and runs two loops and
// one handler:
//
//	pol, err := escalate.LoadPolicyFile(path)      // validation errors name the field
//	err = escalate.SavePolicy(ctx, store.Escalation(), pol)
//	m := escalate.NewMetrics(registry)
//	esc := escalate.New(store.Escalation(), escalate.Options{Logger: logger})
//	go esc.Start(ctx)                               // gather windows, time-based levels, reminders, digests
//	go escalate.NewSender(store.Escalation(), cfg).Start(ctx)
//	mux.Handle("POST /slack/interactivity", escalate.InteractivityHandler(escalate.InteractivityConfig{
//		SigningSecret: secret, Escalator: esc, Names: escalate.NewUserNames(store.Escalation(), cfg), Metrics: m}))
//
// The admin page and `pantau admin slack-retry` read the store's GivenUp
// and call its Requeue; the incident pages read its Acknowledgements.
//
// # Policy file
//
//	language: id                 # id (Bahasa Indonesia, default) or en
//	policy:
//	  province_after_working_hours: 2h   # working hours, office calendar (Mon–Fri 07:30–15:00)
//	  national_after: 24h                # wall clock
//	  reminder_every: 4h
//	  digest_at: "08:00"                 # province's local time
//	  gather_window: 30s                 # office messages wait; a province cut becomes one message
//	  reopen_window: 10m                 # the detector's: closer outages continue one incident
//	  late_notice: true                  # one notice for an incident first seen already over
//	  maintenance_note: true             # a note instead of an alert inside a maintenance window
//	channels:
//	  national: C0NATIONAL
//	  provinces:
//	    "73": C0SULSEL
//	  offices:
//	    "73.71": C0MAKASSAR
//
// # Gather
//
// An office's own message waits the gather window from when the office
// joined the incident (the first office from the incident's first sight):
// offices of a province cut reporting seconds apart, or joining an office
// incident that is about to become province-wide, are one province
// message, not one alert each.
//
// # Merges
//
// When later data joins two incidents (two province cuts found national, a
// late outage bridging two), the detector retracts the newer one naming
// the survivor (api.IncidentChange.MergedInto). The survivor inherits each
// thread whose top message Slack has, with its rows and keys; its own top
// still waiting in that channel is withdrawn. A channel keeps one top
// message per cut whatever the order the incidents reached it in, and the
// merged incident's button acknowledges the survivor.
//
// # Exactly once
//
// Each outbox row has an idempotency key (incident:<id>:<channel>:<kind>…)
// that is unique, so events and ticks can repeat freely. The sender claims a
// row with a lease and sets maybe_posted before calling Slack; every post
// carries its key in Slack message metadata. A retry of a row that may have
// reached Slack (transport error, 5xx, timeout, a process killed mid-call)
// first reads conversations.history (or conversations.replies for a thread
// reply) with include_all_metadata and, when it finds the key, records that
// message's ts instead of posting again. chat.update is idempotent and is
// simply repeated.
package escalate
