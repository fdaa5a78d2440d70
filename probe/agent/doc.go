// Package agent is the office probe agent: a scheduler that checks every
// target on its own jittered schedule and spools each result, and an
// uploader that delivers the spool to the server in order, in gzip batches,
// acknowledging only what the server has durably taken.
//
// # What the uploader expects of the server
//
// Request: POST {Server}/api/v1/results with headers
// Content-Type: application/json, Content-Encoding: gzip,
// Authorization: Bearer <token>, User-Agent: pantau-probe/<version>, and a
// gzip-compressed probe.Batch: agent info (version, os, arch, spool_depth,
// dropped, clock_offset_ms) and at most BatchSize results in ascending seq
// order. Seqs are contiguous within the agent's life except where the spool
// dropped records; a batch may repeat seqs already delivered (after a lost
// response or a kill), so the server must be idempotent on (probe, seq).
//
// Answers, by status:
//
//   - 200 with a probe.BatchResponse: every result in the batch is
//     acknowledged, the rejected ones too (each is logged with its seq,
//     field and reason); the server must answer only after its commit.
//   - 400: with several results the batch is split in half and resent; with
//     one result it counts as a refusal (below).
//   - 413: split in half and resent; a single result refused as too large
//     is dropped (acknowledged) and logged.
//   - 401, 403: logged once as a token problem; results keep spooling and
//     the batch is retried every AuthRetry (default 5 min).
//   - 429, 503 with Retry-After (seconds or an HTTP date, capped at 1 h):
//     wait exactly that long; without Retry-After, like 5xx.
//   - network errors, 502, 503 and 504 (the server out of reach):
//     exponential backoff from BackoffMin to BackoffMax with equal jitter,
//     then resend; while waiting longer than ReachCheck (10 s) the uploader
//     asks GET {Server}/readyz every ReachCheck and sends at once when it
//     answers below 500, so a backlog flows within seconds of the link
//     returning.
//   - other 5xx (and 400 on one result): a refusal of this batch. It is
//     retried with the same backoff; after RefusalsBeforeSplit (3) refusals
//     in a row while /readyz answers below 500, the batch is halved, and so
//     on until one result is left, which is dropped (spool.Drop: counted in
//     "dropped") so that one result the server cannot take never blocks the
//     rest. A result is dropped only when the server took another batch
//     during the split, or takes the next result alone: a server that
//     refuses everything loses nothing. While /readyz says not ready (the
//     database is down) a refusal is nobody's fault: nothing is split, and
//     the backoff is cut short by the same /readyz checks once it is ready.
//
// Error bodies are read as probe.ErrorBody for the logs. The Date header of
// any answer sets clock_offset_ms = server time − agent time (Date + 0.5 s
// against the middle of the round trip), sent with the next batch.
// Batches grow back (doubling) to BatchSize after each success.
//
// # Central configuration
//
// With Config.ConfigPoll set, the agent asks GET {Server}/api/v1/probe/config
// (Authorization: Bearer <token>, User-Agent as above, Accept:
// application/json) at start and every ConfigPoll, and expects 200 with a
// Settings body: {"office": "73.71", "interval": "30s", "targets": [probe.Target...]}.
// An interval of 0 or absent (an office without targets) means 30 s; no
// targets is valid, and the agent then checks nothing until some arrive.
// When the answer carries an ETag, the next request sends If-None-Match
// and a 304 keeps the current settings; a server that sends no ETag simply
// answers 200 each time, and unchanged settings change nothing.
//
// A change (settings compared as JSON) is first written to Config.ConfigCache
// (temporary file, fsync, rename), then stops every scheduler and starts
// those of the new settings; the spool, its writer and the uploader are
// not touched, so seqs stay contiguous. Settings that do not validate
// (a bad target, duplicate names, an interval below 10 ms), any status
// other than 200/304, 401/403 included, and network errors keep the
// current settings; the first failure of a streak is logged. At start the
// cache, when it was written for the same Server, is used before the
// server answers, so an agent restarted during an outage of the server
// checks the same targets as before.
package agent
