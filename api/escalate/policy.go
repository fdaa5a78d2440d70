package escalate

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"regexp"
	"sort"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/pantau-id/pantau/api"
)

// Policy is the escalation policy and the channels it sends to (fields
// documented on api.EscalationPolicy); it adds parsing and validation.
type Policy api.EscalationPolicy

// Channels maps each level to Slack channel IDs.
type Channels = api.EscalationChannels

// DefaultPolicy is the policy of issue 6, with no channels.
func DefaultPolicy() Policy {
	return Policy{Language: "id", ProvinceAfter: 2 * time.Hour, NationalAfter: 24 * time.Hour,
		ReminderEvery: 4 * time.Hour, DigestAt: "08:00", GatherWindow: 30 * time.Second,
		ReopenWindow: 10 * time.Minute, LateNotice: true, MaintenanceNote: true}
}

// fileFormat is the YAML file as written; durations are Go durations ("2h").
type fileFormat struct {
	Language string `yaml:"language"`
	Policy   struct {
		ProvinceAfterWorkingHours string `yaml:"province_after_working_hours"`
		NationalAfter             string `yaml:"national_after"`
		ReminderEvery             string `yaml:"reminder_every"`
		DigestAt                  string `yaml:"digest_at"`
		GatherWindow              string `yaml:"gather_window"`
		ReopenWindow              string `yaml:"reopen_window"`
		LateNotice                *bool  `yaml:"late_notice"`
		MaintenanceNote           *bool  `yaml:"maintenance_note"`
	} `yaml:"policy"`
	Channels Channels `yaml:"channels"`
}

// LoadPolicyFile reads and validates a policy file.
func LoadPolicyFile(path string) (Policy, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Policy{}, fmt.Errorf("read escalation policy: %w", err)
	}
	return ParsePolicy(b)
}

// ParsePolicy parses the YAML format (see README in this package's doc) over
// DefaultPolicy and validates it; errors name the field.
func ParsePolicy(b []byte) (Policy, error) {
	var f fileFormat
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		return Policy{}, api.FieldErrorf("yaml", "%v", err)
	}
	p := DefaultPolicy()
	if f.Language != "" {
		p.Language = f.Language
	}
	for _, d := range []struct {
		field string
		in    string
		out   *time.Duration
	}{
		{"policy.province_after_working_hours", f.Policy.ProvinceAfterWorkingHours, &p.ProvinceAfter},
		{"policy.national_after", f.Policy.NationalAfter, &p.NationalAfter},
		{"policy.reminder_every", f.Policy.ReminderEvery, &p.ReminderEvery},
		{"policy.gather_window", f.Policy.GatherWindow, &p.GatherWindow},
		{"policy.reopen_window", f.Policy.ReopenWindow, &p.ReopenWindow},
	} {
		if d.in == "" {
			continue
		}
		v, err := time.ParseDuration(d.in)
		if err != nil {
			return Policy{}, api.FieldErrorf(d.field, "not a duration like 2h or 90m: %q", d.in)
		}
		*d.out = v
	}
	if f.Policy.DigestAt != "" {
		p.DigestAt = f.Policy.DigestAt
	}
	if f.Policy.LateNotice != nil {
		p.LateNotice = *f.Policy.LateNotice
	}
	if f.Policy.MaintenanceNote != nil {
		p.MaintenanceNote = *f.Policy.MaintenanceNote
	}
	p.Channels = f.Channels
	return p, p.Validate()
}

var (
	officeCodeRE   = regexp.MustCompile(`^[0-9]{2}\.[0-9]{2}$`)
	provinceCodeRE = regexp.MustCompile(`^[0-9]{2}$`)
	channelRE      = regexp.MustCompile(`^[A-Z0-9][A-Z0-9_-]*$`)
	digestRE       = regexp.MustCompile(`^([01][0-9]|2[0-3]):[0-5][0-9]$`)
)

// Validate checks every field and names the first one at fault.
func (p Policy) Validate() error {
	if p.Language != "id" && p.Language != "en" {
		return api.FieldErrorf("language", "must be id or en, not %q", p.Language)
	}
	for _, d := range []struct {
		field string
		v     time.Duration
	}{
		{"policy.province_after_working_hours", p.ProvinceAfter},
		{"policy.national_after", p.NationalAfter},
		{"policy.reminder_every", p.ReminderEvery},
	} {
		if d.v < time.Minute {
			return api.FieldErrorf(d.field, "must be at least 1m, not %s", d.v)
		}
	}
	if p.GatherWindow < 0 || p.GatherWindow > 10*time.Minute {
		return api.FieldErrorf("policy.gather_window", "must be between 0 and 10m, not %s", p.GatherWindow)
	}
	if p.ReopenWindow < time.Second || p.ReopenWindow > 24*time.Hour {
		return api.FieldErrorf("policy.reopen_window", "must be between 1s and 24h, not %s", p.ReopenWindow)
	}
	if !digestRE.MatchString(p.DigestAt) {
		return api.FieldErrorf("policy.digest_at", "must be HH:MM, not %q", p.DigestAt)
	}
	if p.Channels.National != "" && !channelRE.MatchString(p.Channels.National) {
		return api.FieldErrorf("channels.national", "not a Slack channel ID: %q", p.Channels.National)
	}
	for _, k := range sortedKeys(p.Channels.Provinces) {
		if !provinceCodeRE.MatchString(k) {
			return api.FieldErrorf("channels.provinces."+k, "not a province code like 73")
		}
		if !channelRE.MatchString(p.Channels.Provinces[k]) {
			return api.FieldErrorf("channels.provinces."+k, "not a Slack channel ID: %q", p.Channels.Provinces[k])
		}
	}
	for _, k := range sortedKeys(p.Channels.Offices) {
		if !officeCodeRE.MatchString(k) {
			return api.FieldErrorf("channels.offices."+k, "not an office code like 73.71")
		}
		if !channelRE.MatchString(p.Channels.Offices[k]) {
			return api.FieldErrorf("channels.offices."+k, "not a Slack channel ID: %q", p.Channels.Offices[k])
		}
	}
	return nil
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// SavePolicy validates p and replaces the stored policy and channels with it
// (the file is the whole truth: channels it omits go).
func SavePolicy(ctx context.Context, store Store, p Policy) error {
	if err := p.Validate(); err != nil {
		return err
	}
	return store.SavePolicy(ctx, api.EscalationPolicy(p))
}

// loadPolicy reads the stored policy inside tx, with the server's own
// settings (WebURL) added.
func (e *Escalator) loadPolicy(ctx context.Context, tx api.EscalationTx) (Policy, error) {
	p, err := tx.Policy(ctx)
	p.WebURL = e.webURL
	return Policy(p), err
}
