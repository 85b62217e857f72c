import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { CheckResult } from './check-result.js';

/**
 * Appends one `check_runs` row per result, in one statement. It runs outside the checks'
 * read-only transactions (which could not write it), after they have all finished.
 *
 * SQL: `insert into check_runs (run_id, check_name, status, value, violations, duration_ms, error) values …`.
 */
export async function recordCheckRuns(
  db: Kysely<Database>,
  runId: string,
  results: readonly CheckResult[],
): Promise<void> {
  if (results.length === 0) return;
  await db
    .insertInto('check_runs')
    .values(
      results.map((r) => ({
        run_id: runId,
        check_name: r.name,
        status: r.status,
        value: r.value,
        violations: r.violations,
        duration_ms: Math.round(r.durationMs),
        error: r.error,
      })),
    )
    .execute();
}
