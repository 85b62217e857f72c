import type { Kysely } from 'kysely';
import pLimit from 'p-limit';
import type { Database } from '../db/schema.js';
import type { CheckDefinition } from './check-definition.js';
import type { CheckResult } from './check-result.js';
import { type RunCheckOptions, runCheck } from './run-check.js';

export interface RunChecksOptions extends RunCheckOptions {
  /**
   * How many checks run at once. On a server each holds one pooled connection, so this should
   * not exceed the pool size; PGlite has one session, so 1.
   */
  concurrency: number;
}

/** Runs checks, at most `concurrency` at a time, and returns their results in the checks' order. */
export async function runChecks(
  db: Kysely<Database>,
  checks: readonly CheckDefinition[],
  options: RunChecksOptions,
): Promise<CheckResult[]> {
  const limit = pLimit(Math.max(1, options.concurrency));
  return Promise.all(checks.map((check) => limit(() => runCheck(db, check, options))));
}
