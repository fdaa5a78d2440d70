// Package detect turns raw results into outages, causes and incidents. The
// engine, cause, grouping and timeline rules are pure functions (no
// database, no clock); the Detector service runs them over the store's
// queue through the Store port (postgres.Detection).
//
// # Rules
//
// DESIGN.md "Detection", and where it is silent, the choices below.
//
//   - A series is one (probe, target), ordered by (observed_at, seq).
//   - An outage opens at the first failure of a run of fail_threshold
//     consecutive failures and closes at the first success of a run of
//     recover_threshold consecutive successes: it is [first failure, first
//     success).
//   - Silence: when two consecutive results are more than silence_after ×
//     interval apart (exactly that much is not silence), the time between
//     them is unknown, from the earlier result to the later one. Results on
//     either side of a silence are not consecutive: the run counters reset
//     and the series starts again as up. An outage open at the silence ends
//     at the last result before it (ended_by silence) and the unknown span
//     follows without a gap; a probe that comes back still failing opens a
//     new outage after fail_threshold failures, at the first of them.
//   - The same holds between the last result and now: a series whose last
//     result is older than silence_after × interval is unknown from that
//     result on, open. Spooled results delivered later replace the span by
//     whatever they show. Spans of zero length (only with fail_threshold 1
//     and a silence right after) are dropped.
//   - Cause (Cause): a central target's outage is central when the office's
//     internet reference (the internet targets of the same probe: up when
//     any is up) was up for longer than down over the outage, local when
//     down at least as long as up, unknown when it was not measured. Open
//     outages are judged up to their series' last result, so causes depend
//     on the results alone. Internet targets' outages are local; unknown
//     spans have cause unknown.
//   - Incidents (Incidents, in incidents.go): each office's central-cause
//     outages of central targets are united into pieces. Pieces of one
//     office less than the re-open window apart (default 10 min) belong to
//     one incident (flapping: Flaps counts the re-opens, "tidak stabil");
//     pieces of offices of one province that overlap in time are grouped
//     transitively; across provinces only while the national rule holds (a
//     share of all monitored offices down at once, or NationalProvinces
//     provinces at province scope at once), and then every piece down in
//     that period is one national incident. Unrelated cuts in two
//     provinces are two incidents. Scope: national as just said, else
//     province at ≥ the province share of that province's monitored
//     offices down at once, office otherwise; a single office is always
//     office scope. Monitored offices are those with a non-revoked probe,
//     counted now.
//   - Reconciliation (Reconcile): a recomputed group keeps the id of the
//     oldest stored incident it overlaps in time and shares an office
//     with; a new group already over when first seen is late (kind late,
//     Late kept for good: never escalated), never opened; an incident no
//     group continues is retracted (MergedInto when its offices went to
//     another). The gather rule for the first office-level alert is Gather.
//   - Maintenance windows are shown on timelines (state maintenance, the
//     measured state beside it) and excluded from availability (Totals,
//     Availability); detection itself ignores them.
//
// # Late data and concurrency
//
// Ingest only queues each series it touched with its earliest new
// observed_at, in the insert's transaction, keeping the time it was first
// queued (work is taken longest-waiting first, so none starves), and wakes
// the detector after its commit (Waker: in-process, and LISTEN/NOTIFY for
// other replicas); arrivals within Gap (100 ms) share a pass, and the tick
// (1 s) is the safety net. Detection has a pool of its own. A pass takes
// the probes with work in chunks (Chunk, 100), each in one transaction
// whose statements are per chunk, not per probe, under
// pg_try_advisory_xact_lock per probe: it claims the probes' queue rows
// (append-only, each carrying its upload's observations, so no ingest ever
// waits for a detector), resumes each series from its stored Checkpoint
// with those observations when all are later, or else replays it from the
// results, from the latest result before the new ones that ends a run of
// recover_threshold successes (a reset point: the engine is then up with no
// run whatever came before), replaces the spans from there, re-decides the
// causes of each probe's central outages in the changed range and marks the
// range for incident grouping. Incident grouping runs under one global lock
// after the probe transactions commit, reading the marks without locking
// them (a chunk never waits for it) and clearing at its end those not
// marked again meanwhile; AfterIncidents runs after it commits, in a
// goroutine of its own. Any number of detectors (replicas) may run over one database
// and be killed at any moment: every write is in a transaction under these
// locks. A detector that cannot take a
// probe's lock skips it, so no two write one series at once; each write
// checks, in its transaction, that no span it wrote overlaps another of
// its series (the neighbours by start), and fails otherwise.
package detect
