import type { CheckStatus } from '../db/schema.js';
import { ExitCode } from '../errors.js';
import type { CheckKind, ParamValue } from './check-definition.js';

export type { CheckStatus };

/** The outcome of one check. */
export interface CheckResult {
  name: string;
  status: CheckStatus;
  kind: CheckKind;
  severity: 'warn' | 'fail';
  /** A metric check's value; null for row checks and for errors. */
  value: number | null;
  /**
   * The `baseline` a metric check with a relative condition compared its value with (its query's
   * `baseline` column); null for every other check, for errors, and when there was no history.
   */
  baseline: number | null;
  /** A row check's number of violating rows; null for metric checks and for errors. */
  violations: number | null;
  /** What makes the check fire, in words: `any row` or `warn > 100, fail > 500`. */
  threshold: string;
  durationMs: number;
  /** Why the check could not run; null unless the status is `error`. */
  error: string | null;
  /**
   * What the status alone does not say: `insufficient history: …` for a relative check that
   * passed because its baseline is below `min_baseline`. Null otherwise.
   */
  note: string | null;
  /**
   * The check that probably caused this one to fail: a failing check that `inhibits:` it (the
   * root of the chain, when that one is explained too). Null when the check passes, errors, or
   * fails on its own. It changes no status and no exit code (see `explainInhibited`).
   */
  explainedBy: string | null;
  /** The first violating rows (row checks) or the metric row, as JSON values. */
  sampleRows: Record<string, unknown>[];
  /** The parameter values the check ran with. */
  params: Record<string, ParamValue>;
  description: string;
  runbook: string | null;
  owner: string | null;
}

/** When a run counts as a problem: `fail` (default) or also on `warn`. */
export type FailOn = 'warn' | 'fail';

/** One `pipectl check` run: every result, the overall status and the exit code it implies. */
export interface CheckRun {
  /** The id its rows in `check_runs` share. */
  runId: string;
  startedAt: string;
  /** The checks file that was run. */
  config: string;
  backend: string;
  /** The worst status: error > fail > warn > pass. */
  status: CheckStatus;
  failOn: FailOn;
  exitCode: ExitCode;
  counts: Record<CheckStatus, number>;
  /** Whether the results were written to `check_runs`. */
  recorded: boolean;
  /** Why they could not be written (the run then exits 2); null otherwise. */
  recordError: string | null;
  checks: CheckResult[];
}

const rank: Record<CheckStatus, number> = { pass: 0, warn: 1, fail: 2, error: 3 };

/** The worst of some statuses: error outranks fail, which outranks warn, which outranks pass. */
export function worstStatus(statuses: Iterable<CheckStatus>): CheckStatus {
  let worst: CheckStatus = 'pass';
  for (const status of statuses) if (rank[status] > rank[worst]) worst = status;
  return worst;
}

/**
 * The exit code of a run (docs/checks.md, "Exit codes"): 2 if a check errored or the results could not be
 * recorded, 1 if a check failed (or warned, with `--fail-on warn`), else 0.
 */
export function exitCodeFor(status: CheckStatus, failOn: FailOn, recordError: string | null): ExitCode {
  if (status === 'error' || recordError !== null) return ExitCode.error;
  if (status === 'fail' || (status === 'warn' && failOn === 'warn')) return ExitCode.problem;
  return ExitCode.ok;
}

/** How many results have each status. */
export function countStatuses(results: readonly CheckResult[]): Record<CheckStatus, number> {
  const counts: Record<CheckStatus, number> = { pass: 0, warn: 0, fail: 0, error: 0 };
  for (const r of results) counts[r.status] += 1;
  return counts;
}
