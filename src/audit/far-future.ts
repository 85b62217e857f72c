/**
 * How far ahead a pending job may be scheduled before the audits call it suspicious. pipectl
 * itself never schedules that far: retries back off at most 1 h (src/pipeline/queue/backoff.ts)
 * and WF7's politeness spacing is minutes. A job a day or more ahead was set by plain SQL or a
 * skewed clock, and it holds its input's one live-job slot, so nothing else will process it.
 */
export const farFutureMs = 86_400_000;
