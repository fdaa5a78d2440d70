// Package e2e holds end-to-end tests that run the real office agent binary
// against the real server and a real PostgreSQL: crashes, outages of the
// server, and re-delivery, judged by what the server stored.
package e2e
