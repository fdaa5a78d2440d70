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
//   - Incidents (Incidents): each office's central-cause outages of central
//     targets are united, then office intervals that overlap in time are
//     grouped transitively. Scope is judged on the peak of offices down at
//     once: national at ≥ the national share of all monitored offices,
//     province at ≥ the province share of that province's monitored
//     offices, office otherwise; a single office is always office scope.
//     Monitored offices are those with a non-revoked probe, counted now.
//   - Maintenance windows are shown on timelines (state maintenance, the
//     measured state beside it) and excluded from availability (Totals,
//     Availability); detection itself ignores them.
//
// # Late data and concurrency
//
// Ingest only queues each series it touched with its earliest new
// observed_at, in the insert's transaction. The detector evaluates within a
// bounded delay (its tick, 1 s by default, plus the pass), not in the insert
// transaction. Per probe, in one transaction under pg_try_advisory_xact_lock:
// it claims the probe's queue rows (FOR UPDATE SKIP LOCKED, so rows an
// ingest is still writing wait for the next pass), resumes each series from
// its stored Checkpoint when everything new is later, or else replays it
// from the latest result before the new ones that ends a run of
// recover_threshold successes (a reset point: the engine is then up with no
// run whatever came before), replaces the spans from there, re-decides the
// causes of the probe's central outages in the changed range and marks the
// range for incident grouping. Incident grouping runs under one global lock
// after the probe transactions commit. A detector that cannot take a
// probe's lock skips it, so no two write one series at once; an exclusion
// constraint on outages rules out overlapping spans regardless.
package detect
