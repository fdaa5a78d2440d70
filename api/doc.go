// Package api holds the server's domain: offices, probes, targets,
// outages, incidents, users and sessions, the office model's settings and
// defaults, intake, the filters the store answers, and the one error type
// with its codes. It imports only the standard library, probe (the wire
// vocabulary agent and server share) and report/calendar (pure dates and
// working hours); storage, HTTP and detection depend on it, never the other
// way round.
package api
