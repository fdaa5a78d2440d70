package server_test

import (
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// TestOpenAPIMatchesRouter checks that docs/openapi.yaml documents exactly
// the routes the router serves, method by method.
func TestOpenAPIMatchesRouter(t *testing.T) {
	f := newFixture(t)
	raw, err := os.ReadFile("../../docs/openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Paths map[string]map[string]any `yaml:"paths"`
	}
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("docs/openapi.yaml: %v", err)
	}
	param := regexp.MustCompile(`\{([^}]+)\}`)
	var documented []string
	for path, ops := range doc.Paths {
		for method := range ops {
			if method == "parameters" {
				continue
			}
			documented = append(documented, strings.ToUpper(method)+" "+param.ReplaceAllString(path, ":$1"))
		}
	}
	var served []string
	for _, r := range f.server.Routes() {
		if isAPI(r[1]) {
			served = append(served, r[0]+" "+r[1])
		}
	}
	sort.Strings(documented)
	sort.Strings(served)
	if strings.Join(documented, "\n") != strings.Join(served, "\n") {
		t.Fatalf("router and docs/openapi.yaml disagree\nserved:\n  %s\ndocumented:\n  %s", strings.Join(served, "\n  "), strings.Join(documented, "\n  "))
	}
}

// isAPI tells machine endpoints (documented in OpenAPI) from HTML pages.
func isAPI(path string) bool {
	for _, p := range []string{"/api/", "/slack/", "/healthz", "/readyz", "/metrics"} {
		if strings.HasPrefix(path, p) {
			return true
		}
	}
	return false
}
