package webui

import (
	"fmt"
	"io/fs"
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/pantau-id/pantau/web"
)

// luminance is WCAG 2's relative luminance of #rrggbb.
func luminance(t *testing.T, hex string) float64 {
	t.Helper()
	var c [3]float64
	for i := range c {
		v, err := strconv.ParseUint(hex[1+2*i:3+2*i], 16, 8)
		if err != nil {
			t.Fatalf("colour %q: %v", hex, err)
		}
		s := float64(v) / 255
		if s <= 0.03928 {
			c[i] = s / 12.92
		} else {
			c[i] = math.Pow((s+0.055)/1.055, 2.4)
		}
	}
	return 0.2126*c[0] + 0.7152*c[1] + 0.0722*c[2]
}

func contrast(t *testing.T, a, b string) float64 {
	la, lb := luminance(t, a), luminance(t, b)
	return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)
}

// TestStateColoursMeetWCAGAA reads the state colours from the stylesheet
// the pages use and checks white badge text on each (4.5:1, WCAG AA for
// text of this size), and the muted text on the page's background.
func TestStateColoursMeetWCAGAA(t *testing.T) {
	css, err := fs.ReadFile(web.Static(), "pantau.css")
	if err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{}
	for _, m := range regexp.MustCompile(`--([a-z]+):\s*(#[0-9a-fA-F]{6})`).FindAllStringSubmatch(string(css), -1) {
		if _, seen := vars[m[1]]; !seen { // the first (light) definition
			vars[m[1]] = m[2]
		}
	}
	pairs := []struct{ fg, bg string }{
		{"#ffffff", "up"}, {"#ffffff", "down"}, {"#ffffff", "unknown"}, {"#ffffff", "maint"},
		{"muted", "bg"}, {"ink", "bg"}, {"muted", "#ffffff"},
	}
	colour := func(s string) string {
		if s[0] == '#' {
			return s
		}
		v, ok := vars[s]
		if !ok {
			t.Fatalf("pantau.css defines no --%s", s)
		}
		return v
	}
	for _, p := range pairs {
		r := contrast(t, colour(p.fg), colour(p.bg))
		t.Logf("%s on %s: %.2f:1", p.fg, p.bg, r)
		if r < 4.5 {
			t.Errorf("%s (%s) on %s (%s): contrast %.2f:1, below WCAG AA 4.5:1", p.fg, colour(p.fg), p.bg, colour(p.bg), r)
		}
	}
	// Dark mode: its own text colours on its own background.
	_, dark, ok := strings.Cut(string(css), "prefers-color-scheme: dark")
	if !ok {
		t.Fatal("pantau.css has no dark mode")
	}
	dv := map[string]string{}
	for _, m := range regexp.MustCompile(`--([a-z]+):\s*(#[0-9a-fA-F]{6})`).FindAllStringSubmatch(dark, -1) {
		if _, seen := dv[m[1]]; !seen {
			dv[m[1]] = m[2]
		}
	}
	for _, fg := range []string{"ink", "muted"} {
		if dv[fg] == "" || dv["bg"] == "" {
			t.Fatalf("dark mode defines no --%s or --bg", fg)
		}
		if r := contrast(t, dv[fg], dv["bg"]); r < 4.5 {
			t.Errorf("dark mode: --%s on --bg: %.2f:1, below 4.5:1", fg, r)
		}
	}
	// The measurement, as a check of the formula itself.
	if got := fmt.Sprintf("%.2f", contrast(t, "#ffffff", "#27ae60")); got != "2.87" {
		t.Errorf("white on the old green: %s:1, the issue measured 2.87:1", got)
	}
}
