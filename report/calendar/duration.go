package calendar

import "time"

// Duration is a time.Duration that JSON and CSV show as "24h15m0s"
// rather than nanoseconds; convert with time.Duration(d).
type Duration time.Duration

// String writes d as time.Duration does.
func (d Duration) String() string { return time.Duration(d).String() }

// Hours is d in hours, for charts.
func (d Duration) Hours() float64 { return time.Duration(d).Hours() }

// MarshalText writes d as time.Duration's String.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText reads what MarshalText writes.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	*d = Duration(v)
	return err
}
