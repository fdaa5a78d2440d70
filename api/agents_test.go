package api_test

import (
	"testing"

	"github.com/pantau-id/pantau/api"
)

func TestAgentOutdated(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, version, minimum string
		want                   bool
	}{
		{"no minimum is never outdated", "0.1.0", "", false},
		{"no version yet is not outdated", "", "1.2.0", false},
		{"older patch is outdated", "1.1.9", "1.2.0", true},
		{"equal is current", "1.2.0", "1.2.0", false},
		{"newer minor is current", "1.10.0", "1.2.0", false},
		{"leading v is read", "v1.3", "1.2.0", false},
		{"pre-release of the minimum is outdated", "1.2.0-rc1", "1.2.0", true},
		{"git describe past the minimum is current", "1.2.0-3-gabc123", "1.2.0", false},
		{"dirty describe past the minimum is current", "1.2.0-3-gabc123-dirty", "1.2.0", false},
		{"a dev build cannot be shown current", "dev", "1.2.0", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := api.AgentOutdated(tc.version, tc.minimum); got != tc.want {
				t.Fatalf("AgentOutdated(%q, %q) = %v, want %v", tc.version, tc.minimum, got, tc.want)
			}
		})
	}
}
