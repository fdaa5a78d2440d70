// Package faults holds Pantau's fault tests: the whole pipeline (real
// server, real store, real probe agents or simulated probes) under the
// failures offices and servers meet. Everything talks to loopback only and
// every loop is bounded in count and time.
//
// `go test ./...` runs the quick ones: PostgreSQL restarted (immediate, as a
// crash) under ingest on a private cluster of its own, the server down for a
// few seconds while agents spool, and probe clocks 10 minutes off either way.
// `make test-faults` adds, behind the build tag "faults", the slow ones: 50
// agents spooling through a 10-minute server outage (PANTAU_FAULTS_DOWN
// shortens it), and PostgreSQL restarted repeatedly under 200 simulated probes.
package faults
