package sim

import (
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
	"time"
)

// CutKind is what a scripted cut takes away.
type CutKind string

// Cut kinds.
const (
	// CutNational: the central registry is down for every office (the
	// Mimika-style server fault); offices' internet works.
	CutNational CutKind = "national"
	// CutProvince: the central registry is unreachable from every office of
	// one province.
	CutProvince CutKind = "province"
	// CutOffice: one office is cut from the central registry (the Makassar
	// sanction); its internet works.
	CutOffice CutKind = "office"
	// CutOffline: one office is offline altogether (power, lightning): both
	// targets fail and its probe cannot reach the server, so it spools and
	// delivers when the link is back.
	CutOffline CutKind = "offline"
	// CutFlap: one office's central link goes down and up every Period.
	CutFlap CutKind = "flap"
	// CutLoss: one office's link to the central registry loses a share of
	// its packets at random (a bad line): each check fails with probability
	// Loss, drawn from a hash of the office and the moment, so a run
	// repeats exactly.
	CutLoss CutKind = "loss"
)

// Cut is one scripted event, timed from the start of the simulation.
type Cut struct {
	Kind CutKind
	// Ref is the province code (CutProvince) or office code (the others).
	Ref        string
	Start, End time.Duration
	// Period is the length of one down and of one up span, for CutFlap.
	Period time.Duration
	// Loss is the share of checks that fail, for CutLoss (0..1).
	Loss float64
}

// String writes c in the form ParseCut reads.
func (c Cut) String() string {
	s := string(c.Kind)
	if c.Ref != "" {
		s += ":" + c.Ref
	}
	s += "@" + c.Start.String() + "+" + (c.End - c.Start).String()
	switch c.Kind {
	case CutFlap:
		s += "~" + c.Period.String()
	case CutLoss:
		s += "~" + strconv.FormatFloat(c.Loss*100, 'f', -1, 64) + "%"
	}
	return s
}

// ParseCut reads KIND[:REF]@START+LENGTH[~PERIOD], e.g. "national@1m+2m",
// "province:73@4m+1m", "office:73.71@5m+2m", "offline:31.71@2m+3m",
// "flap:73.72@7m+2m~40s", "loss:73.73@1m+2m~50%".
func ParseCut(s string) (Cut, error) {
	head, timing, ok := strings.Cut(s, "@")
	if !ok {
		return Cut{}, fmt.Errorf("cut %q: want KIND[:REF]@START+LENGTH", s)
	}
	kind, ref, _ := strings.Cut(head, ":")
	c := Cut{Kind: CutKind(kind), Ref: ref}
	switch c.Kind {
	case CutNational:
		if ref != "" {
			return Cut{}, fmt.Errorf("cut %q: national takes no office or province", s)
		}
	case CutProvince, CutOffice, CutOffline, CutFlap, CutLoss:
		if ref == "" {
			return Cut{}, fmt.Errorf("cut %q: %s needs a code, as %s:73.71", s, kind, kind)
		}
	default:
		return Cut{}, fmt.Errorf("cut %q: kind must be national, province, office, offline, flap or loss", s)
	}
	timing, period, hasPeriod := strings.Cut(timing, "~")
	startS, lenS, ok := strings.Cut(timing, "+")
	if !ok {
		return Cut{}, fmt.Errorf("cut %q: want START+LENGTH after @", s)
	}
	start, err1 := time.ParseDuration(startS)
	length, err2 := time.ParseDuration(lenS)
	if err1 != nil || err2 != nil || start < 0 || length <= 0 {
		return Cut{}, fmt.Errorf("cut %q: START and LENGTH must be durations such as 90s, LENGTH positive", s)
	}
	c.Start, c.End = start, start+length
	switch {
	case c.Kind == CutFlap:
		if !hasPeriod {
			return Cut{}, fmt.Errorf("cut %q: flap needs ~PERIOD", s)
		}
		if c.Period, err1 = time.ParseDuration(period); err1 != nil || c.Period <= 0 {
			return Cut{}, fmt.Errorf("cut %q: PERIOD must be a positive duration", s)
		}
	case c.Kind == CutLoss:
		pct, isPct := strings.CutSuffix(period, "%")
		share, err := strconv.ParseFloat(pct, 64)
		if !hasPeriod || !isPct || err != nil || share <= 0 || share > 100 {
			return Cut{}, fmt.Errorf("cut %q: loss needs ~SHARE%%, as ~50%%", s)
		}
		c.Loss = share / 100
	case hasPeriod:
		return Cut{}, fmt.Errorf("cut %q: only flap and loss take ~", s)
	}
	return c, nil
}

// DefaultScript spreads one cut of each kind over a run of length d, with
// the offices and province of the seed case: a national fault, South
// Sulawesi cut, Kota Makassar cut, Kota Parepare offline and Kota Palopo
// flapping (every 4 intervals).
func DefaultScript(d, interval time.Duration) []Cut {
	at := func(f float64) time.Duration { return time.Duration(float64(d) * f).Truncate(time.Second) }
	return []Cut{
		{Kind: CutNational, Start: at(0.10), End: at(0.20)},
		{Kind: CutProvince, Ref: "73", Start: at(0.30), End: at(0.40)},
		{Kind: CutOffice, Ref: "73.71", Start: at(0.50), End: at(0.65)},
		{Kind: CutOffline, Ref: "73.72", Start: at(0.45), End: at(0.70)},
		{Kind: CutFlap, Ref: "73.73", Start: at(0.75), End: at(0.95), Period: 4 * interval},
	}
}

// Script answers, for an office at a moment, what works.
type Script struct{ cuts []Cut }

// NewScript returns a script of cuts.
func NewScript(cuts []Cut) *Script { return &Script{cuts: cuts} }

// Cuts lists the script's cuts.
func (s *Script) Cuts() []Cut { return s.cuts }

// Link is the state of one office's links at one moment.
type Link struct {
	Central  bool // the central registry answers
	Internet bool // the internet reference answers
	Server   bool // the Pantau server can be reached
}

// At returns the link state of office (of province) at offset since start.
func (s *Script) At(office, province string, since time.Duration) Link {
	l := Link{Central: true, Internet: true, Server: true}
	for _, c := range s.cuts {
		if since < c.Start || since >= c.End {
			continue
		}
		switch {
		case c.Kind == CutNational:
			l.Central = false
		case c.Kind == CutProvince && c.Ref == province:
			l.Central = false
		case c.Kind == CutOffice && c.Ref == office:
			l.Central = false
		case c.Kind == CutOffline && c.Ref == office:
			l = Link{}
		case c.Kind == CutFlap && c.Ref == office:
			if ((since-c.Start)/c.Period)%2 == 0 {
				l.Central = false
			}
		case c.Kind == CutLoss && c.Ref == office:
			if lost(office, since, c.Loss) {
				l.Central = false
			}
		}
	}
	return l
}

// lost draws whether a check of office at since is lost, with probability
// share: a hash of both, so the same run loses the same checks.
func lost(office string, since time.Duration, share float64) bool {
	h := fnv.New64a()
	_, _ = h.Write([]byte(office))
	_, _ = h.Write(binary.BigEndian.AppendUint64(nil, uint64(since/(10*time.Millisecond))))
	// FNV's high bits barely move with the last bytes: mix them
	// (splitmix64's finaliser) before taking a fraction.
	x := h.Sum64()
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	x ^= x >> 31
	return float64(x>>11)/(1<<53) < share
}

// Active names the cuts in force at since, for progress lines.
func (s *Script) Active(since time.Duration) []string {
	var out []string
	for _, c := range s.cuts {
		if since >= c.Start && since < c.End {
			out = append(out, strings.SplitN(c.String(), "@", 2)[0])
		}
	}
	return out
}
