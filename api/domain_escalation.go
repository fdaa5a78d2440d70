package api

import (
	"context"
	"time"
)

// EscalationOffice names one office as escalation's messages show it.
type EscalationOffice struct {
	Code         string `json:"code"`
	Name         string `json:"name"`
	ProvinceCode string `json:"province_code"`
	TZ           string `json:"tz,omitempty"` // IANA zone
	// Joined is when escalation first saw the office in the incident: its
	// own office message waits the gather window from then.
	Joined time.Time `json:"joined,omitzero"`
}

// BacklogEstimate is the backlog model's answer at recovery, for the Slack
// recovery notice.
type BacklogEstimate struct {
	Documents     int       `json:"documents"`
	OvertimeHours float64   `json:"overtime_hours"`
	Cost          int64     `json:"cost"`           // rupiah
	ClearanceDate time.Time `json:"clearance_date"` // a calendar day: its date as given is shown
}

// EscalationIncident is escalation's copy of an incident, as the detector
// last told it, with what escalation adds (acknowledgement, lateness).
// Anchor is the first office of the event that opened it, kept for the
// incident's life: every escalation row of the incident carries it.
type EscalationIncident struct {
	Anchor      string
	ID          int64
	Scope       string // ScopeOffice, ScopeProvince or ScopeNational
	Cause       Cause
	Offices     []EscalationOffice
	StartedAt   time.Time
	EndedAt     *time.Time
	Estimate    *BacklogEstimate
	AckedAt     *time.Time
	AckedBy     string // Slack user ID
	AckedName   string // their display name when it was known
	Retracted   bool   // late data showed it never was
	Maintenance bool   // inside a declared maintenance window
	Late        bool   // first seen already over: reported once, never escalated
	Flapping    bool   // continued by the detector's re-open window
	MergedInto  int64  // retracted because its offices joined this incident
	FirstSeen   time.Time
	Version     int             // grows with every change; keys each top-message update
	Promise     *PromiseSummary // while open: the promise deadline its messages show
}

// PromiseSummary is what a Slack message says of the promise deadline of
// an open central outage (report.BuildPromise): the latest return of the
// link that keeps every SLA of the files received so far, and the overtime
// that return needs; or, once passed, how many files are late whatever
// happens.
type PromiseSummary struct {
	Office        string     `json:"office"` // the office's name
	TZ            string     `json:"tz,omitempty"`
	Kept          bool       `json:"kept"`
	Deadline      *time.Time `json:"deadline,omitempty"`
	OvertimeHours int        `json:"overtime_hours"`
	Cost          int64      `json:"cost"` // rupiah
	Late          int        `json:"late"` // files late even if the link came back now
}

// EscalationThread is one channel's top message for an incident. Step is
// true for a channel reached by time (province after working hours,
// national after a day) rather than by the incident's own scope.
type EscalationThread struct {
	Channel  string
	Level    string // office, province or national
	Ref      string // office code, province code or ""
	OpenedAt time.Time
	Step     bool
	// Top is the key of the thread's top message when it is not the
	// incident's own (a thread inherited from a merged incident); "" else.
	Top string
}

// OutboxEntry is one message to queue. Key is its idempotency key; Parent
// the key of the top message a reply threads under or an update rewrites;
// After the key of a row that must be sent first (a recovery's update of
// the top message waits for the recovery reply).
type OutboxEntry struct {
	Office     string // anchor office, or province code for a digest
	Key        string
	IncidentID *int64
	Channel    string
	Kind       string // open, reminder, ack, recovered, reopened, update, digest, late, pointer, maintenance
	Parent     string
	After      string
	Message    []byte // JSON of the rendered message
	At         time.Time
	Due        time.Time // not sent before; zero means At
}

// OutboxClaim is a row a sender has claimed to deliver.
type OutboxClaim struct {
	Office      string
	ID          int64
	Key         string
	Channel     string
	Kind        string
	Message     []byte
	MaybePosted bool // before this claim: an earlier try may have reached Slack
	CreatedAt   time.Time
	ParentTS    string
	Attempts    int
	// Keep is true while the row's incident is open or ended less than a
	// day ago: such a row is retried for ever, never given up.
	Keep bool
}

// OutboxMessage is one outbox row as the admin page shows it.
type OutboxMessage struct {
	OfficeCode string    `json:"office_code"`
	ID         int64     `json:"id"`
	Key        string    `json:"idem_key"`
	IncidentID *int64    `json:"incident_id,omitempty"`
	Channel    string    `json:"channel_id"`
	Kind       string    `json:"kind"`
	Status     string    `json:"status"`
	Attempts   int       `json:"attempts"`
	LastError  string    `json:"last_error"`
	TS         *string   `json:"ts,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
}

// Acknowledgement is who acknowledged an incident in Slack and when.
type Acknowledgement struct {
	By   string     // Slack user ID; empty while unacknowledged
	Name string     // their Slack display name when it was known
	At   *time.Time // nil while unacknowledged
}

// Who is the acknowledging person as pages show them: the display name,
// else the Slack ID.
func (a Acknowledgement) Who() string {
	if a.Name != "" {
		return a.Name
	}
	return a.By
}

// EscalationPolicy is the stored escalation policy and its channels.
type EscalationPolicy struct {
	// Language of the messages: "id" (Bahasa Indonesia, default) or "en".
	Language string
	// ProvinceAfter is how many working hours of the office's calendar an
	// outage lasts before the province channel is told (default 2h).
	ProvinceAfter time.Duration
	// NationalAfter is how long (wall clock) before the national channel is
	// told even if the scope stays narrow (default 24h).
	NationalAfter time.Duration
	// ReminderEvery is the interval of reminders in an open, unacknowledged
	// incident's threads (default 4h).
	ReminderEvery time.Duration
	// DigestAt is the local time ("HH:MM", province zone) of the daily digest.
	DigestAt string
	// GatherWindow is how long an incident's first office-level messages
	// wait, so a province or national cut reported a second apart per
	// office becomes one message (default 30s; 0 sends at once).
	GatherWindow time.Duration
	// LateNotice sends one "dilaporkan terlambat" notice for an incident
	// first seen already over (default true).
	LateNotice bool
	// ReopenWindow is the detector's re-open window: outages of one office
	// closer than it continue one incident and thread (default 10m).
	ReopenWindow time.Duration
	// MaintenanceNote sends one note in the office channel when an outage
	// inside a declared maintenance window begins and ends (default true).
	MaintenanceNote bool
	// Channels are the Slack channel IDs per level.
	Channels EscalationChannels
	// WebURL is where people open Pantau (serve -public-url), for the
	// link to an incident's page in its messages; the server's setting,
	// not stored with the policy. Empty: no link.
	WebURL string
}

// EscalationChannels maps each level to Slack channel IDs.
type EscalationChannels struct {
	National  string            `yaml:"national"`
	Provinces map[string]string `yaml:"provinces"` // province code → channel
	Offices   map[string]string `yaml:"offices"`   // office code → channel
}

// EscalationTx is escalation's view of one database transaction: the
// detector's (its incident hook runs inside the transaction that changes the
// incident, so state and messages commit together) or one of escalation's
// own. api/postgres implements it.
type EscalationTx interface {
	// LockIncident reads incident id and locks it for the transaction;
	// found is false when escalation has never seen it.
	LockIncident(ctx context.Context, id int64) (inc EscalationIncident, found bool, err error)
	// SaveIncident inserts or overwrites escalation's copy of inc.
	SaveIncident(ctx context.Context, inc EscalationIncident) error
	// Threads lists the incident's top messages, oldest first.
	Threads(ctx context.Context, anchor string, id int64) ([]EscalationThread, error)
	// AddThread records a channel's thread; false when it existed already.
	AddThread(ctx context.Context, anchor string, id int64, th EscalationThread) (bool, error)
	// DropThread forgets a channel's thread whose top message never went out.
	DropThread(ctx context.Context, anchor string, id int64, channel string) error
	// MoveThread hands a channel's thread of incident (anchor, id), with
	// every outbox row of that incident in the channel, to incident
	// (toAnchor, toID); top is the key of the thread's top message. The
	// rows keep their keys, so a post that may have reached Slack is
	// still found by its key.
	MoveThread(ctx context.Context, anchor string, id int64, channel, toAnchor string, toID int64, top string) error
	// CoveredOffices returns which of codes another open incident of
	// province or national scope covers.
	CoveredOffices(ctx context.Context, id int64, codes []string) (map[string]bool, error)
	// FillOffices sets Name and TZ from the offices table where empty.
	FillOffices(ctx context.Context, offices []EscalationOffice) error
	// InMaintenance reports whether every one of codes is inside one declared
	// maintenance window over all of [from, to].
	InMaintenance(ctx context.Context, codes []string, from, to time.Time) (bool, error)
	// Policy reads the stored policy and channels.
	Policy(ctx context.Context) (EscalationPolicy, error)
	// Enqueue writes e unless a row with its key exists; it reports whether
	// it wrote.
	Enqueue(ctx context.Context, e OutboxEntry) (bool, error)
	// CancelPending cancels the incident's rows of the given kinds not yet
	// handed to Slack; channel "" means every channel.
	CancelPending(ctx context.Context, anchor string, id int64, channel string, kinds ...string) error
	// CancelUpdates cancels pending updates of the top message keyed parent.
	CancelUpdates(ctx context.Context, anchor, parent string) error
	// OutboxRow returns a row's status and whether it may have reached
	// Slack; found is false when no row has key.
	OutboxRow(ctx context.Context, anchor, key string) (status string, maybePosted, found bool, err error)
	// RewritePending replaces the message of a row never handed to Slack;
	// false when it was (or is gone).
	RewritePending(ctx context.Context, anchor, key string, msg []byte) (bool, error)
	// Release replaces the message of a row never handed to Slack and makes
	// it due at due at the latest (a row held back until its text was
	// complete); false when it was handed over (or is gone).
	Release(ctx context.Context, anchor, key string, msg []byte, due time.Time) (bool, error)
	// TopContent returns what a top message (keyed parent) says or will say
	// once its queue is sent: the newest update not withdrawn, else the
	// post itself; nil when neither exists.
	TopContent(ctx context.Context, anchor, parent string) ([]byte, error)
	// LastUpdateSent returns when the top message keyed parent was last
	// updated in Slack; zero when never.
	LastUpdateSent(ctx context.Context, anchor, parent string) (time.Time, error)
}

// OutboxClaimOptions say how a sender's claim paces a channel.
type OutboxClaimOptions struct {
	Lease time.Duration // how long the row is the claimer's
	Pace  time.Duration // least gap between two calls to one channel, across replicas
	Keep  time.Duration // a row of an incident ended less than this ago is never given up
}

// OutboxClaimResult is the outcome of a claim for one channel.
type OutboxClaimResult struct {
	Row OutboxClaim
	OK  bool // Row is claimed: deliver it
	// Wait, when not OK, is how long the channel must wait (its pace, a
	// workspace pause, another replica claiming for it); zero when nothing
	// of the channel is due.
	Wait time.Duration
}
