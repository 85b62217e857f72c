/** Names for the statements pipectl's worker sends, recognised by a fragment of their SQL. */
const statementNames: ReadonlyArray<readonly [RegExp, string]> = [
  [/^begin\b/i, 'begin'],
  [/^commit\b/i, 'commit'],
  [/^rollback\b/i, 'rollback'],
  [/pipectl_claim_jobs/, 'claimJobs'],
  [/insert into jobs_done/, 'completeJob'],
  [/^update jobs_live set started_at/, 'markJobsStarted'],
  [/insert into noop_runs/, 'noop commit (insert noop_runs)'],
  [/expired as materialized/, 'rescueExpiredLeases'],
  [/picked as materialized/, 'intakeDomains'],
  [/select exists/, 'isIdle'],
  [/set lease_expires_at = now\(\)/, 'extendLeases'],
  [/"workers"/, 'worker registry'],
];

interface StatementTotals {
  calls: number;
  totalMs: number;
}

/**
 * Client-side statement timings: each duration is what the worker waited for one statement
 * (round trip, server time, and any event-loop delay), so the durations of statements that ran
 * on different connections at once add up to more than the wall time.
 */
export class StatementProfile {
  readonly #byName = new Map<string, StatementTotals>();
  #recording = false;

  record(sqlText: string, ms: number): void {
    if (!this.#recording) return;
    const text = sqlText.trim();
    const name = statementNames.find(([pattern]) => pattern.test(text))?.[1] ?? text.slice(0, 40).replace(/\s+/g, ' ');
    const totals = this.#byName.get(name) ?? { calls: 0, totalMs: 0 };
    totals.calls++;
    totals.totalMs += ms;
    this.#byName.set(name, totals);
  }

  /** Forgets what was recorded (the setup's statements) and records from now on. */
  start(): void {
    this.#byName.clear();
    this.#recording = true;
  }

  /** Stops recording, so that the benchmark's own checks after the run are not counted. */
  stop(): void {
    this.#recording = false;
  }

  /** Rows sorted by total time: statement, calls, total ms, mean ms, ms per job. */
  rows(jobs: number): Array<{ statement: string; calls: number; totalMs: number; meanMs: number; perJobMs: number }> {
    return [...this.#byName]
      .map(([statement, t]) => ({
        statement,
        calls: t.calls,
        totalMs: t.totalMs,
        meanMs: t.totalMs / t.calls,
        perJobMs: t.totalMs / jobs,
      }))
      .sort((a, b) => b.totalMs - a.totalMs);
  }
}
