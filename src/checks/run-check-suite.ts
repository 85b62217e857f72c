import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { OpenedDatabase } from '../db/open-database.js';
import type { Database } from '../db/schema.js';
import { coerceError } from '../errors.js';
import { applyParamOverrides } from './apply-param-overrides.js';
import { assertChecksSchema } from './assert-checks-schema.js';
import type { CheckDefinition, ChecksFile } from './check-definition.js';
import { type CheckRun, countStatuses, exitCodeFor, type FailOn, worstStatus } from './check-result.js';
import { explainInhibited } from './explain-inhibited.js';
import { loadConfiguredChecks } from './load-checks-file.js';
import { recordCheckRuns } from './record-check-runs.js';
import { runChecks } from './run-checks.js';
import { selectChecks } from './select-checks.js';

/** What `pipectl check` asks for. */
export interface CheckSuiteOptions {
  /** `--config`; without it `./checks.yml`, else the shipped file (see `resolveChecksPath`). */
  config?: string;
  /** The directory relative paths and `./checks.yml` are resolved against. */
  cwd: string;
  /** `--only` / `--exclude`: check names. */
  only?: readonly string[];
  exclude?: readonly string[];
  /** `--param` values as given: `name=value` or `check-name.name=value`. */
  params?: readonly string[];
  /** `--fail-on`, default `fail`. */
  failOn?: FailOn;
  /** Write the results to `check_runs` (default true). */
  record?: boolean;
  /** At most this many checks at once on a server (default 4); PGlite always runs them one by one. */
  concurrency?: number;
  /**
   * Opens the database. It is called only once the checks file and flags are known to be
   * valid, so a bad file is reported as such even when the database is down.
   */
  openDatabase: () => Promise<OpenedDatabase>;
  /**
   * Runs once the results are judged and recorded, with the database still open and the checks
   * as they ran: `pipectl check --slack` alerts from here (see `checkAndAlert`).
   */
  afterRun?: (
    run: CheckRun,
    context: { db: Kysely<Database>; checks: readonly CheckDefinition[]; file: ChecksFile },
  ) => Promise<void>;
}

/**
 * Everything `pipectl check` does between parsing its flags and printing: loads and validates
 * the checks file, selects checks, applies `--param`, opens the database, runs the checks
 * (concurrently on a server, one by one on PGlite), records the results in `check_runs`, and
 * works out the overall status and exit code.
 *
 * Throws (exit 2) for an invalid file, an unknown check name or parameter, an unreachable
 * database, and a server database whose pipectl schema is missing or out of date; a check that cannot run is an `error` result, not an exception.
 */
export async function runCheckSuite(options: CheckSuiteOptions): Promise<CheckRun> {
  const file = await loadConfiguredChecks(options.config, options.cwd);
  const checks = selectChecks(
    { ...file, checks: applyParamOverrides(file, options.params ?? []) },
    options.only,
    options.exclude,
  );
  const failOn = options.failOn ?? 'fail';

  const opened = await options.openDatabase();
  const server = opened.backend === 'postgres';
  // The embedded database migrates itself when opened; a server's schema is the operator's.
  if (server) await assertChecksSchema(opened.db, opened.location);
  const runId = randomUUID();
  const startedAt = new Date().toISOString();
  const judged = await runChecks(opened.db, checks, {
    concurrency: server ? (options.concurrency ?? 4) : 1,
    enforcesTimeout: server,
  });
  const results = explainInhibited(judged, checks);

  let recordError: string | null = null;
  if (options.record ?? true) {
    try {
      await recordCheckRuns(opened.db, runId, results);
    } catch (err) {
      recordError = `could not record the results in check_runs: ${coerceError(err).message} — use --no-record on a read-only replica`;
    }
  }

  const status = worstStatus(results.map((r) => r.status));
  const run: CheckRun = {
    runId,
    startedAt,
    config: file.path,
    backend: opened.backend,
    status,
    failOn,
    exitCode: exitCodeFor(status, failOn, recordError),
    counts: countStatuses(results),
    recorded: (options.record ?? true) && recordError === null,
    recordError,
    checks: results,
  };
  await options.afterRun?.(run, { db: opened.db, checks, file });
  return run;
}
