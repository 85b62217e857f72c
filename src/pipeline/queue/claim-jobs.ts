import { type Kysely, sql } from 'kysely';
import { prepared } from '../../db/prepared.js';
import { retryConflict } from '../../db/retry-conflict.js';
import type { Database, Job, JobType } from '../../db/schema.js';

export interface ClaimOptions {
  workerId: string;
  jobTypes: readonly JobType[];
  limit: number;
  /**
   * How many of them start at once (default all): the rest go to the worker's buffer with
   * `started_at` null until `markJobsStarted` (or `completeJob`'s `startIds`) records their start.
   */
  start?: number;
  leaseSeconds: number;
}

/**
 * Claims up to `limit` runnable jobs for this worker in one statement, and records the
 * transition. `for update skip locked` in a materialized CTE lets many workers claim at once
 * without blocking or double-claiming (graphile-worker's getJobs does the same). The claim
 * consumes an attempt, so a job whose worker dies mid-run still moves towards max_attempts; the
 * first `start` jobs get `started_at`, and a rescue gives the attempt back to a job without one
 * (claimed into a buffer, never run). Which ones started: those returned with `started_at` set.
 * A sitemap job that starts moves its domain to `processing` in the same statement (also a
 * retried one whose domain was left in `error`).
 *
 * Reads and writes `jobs_live` only (migration 0013): one range of jobs_claim_idx (job_type,
 * priority, run_at) per job type, so history and other types' backlogs are never walked, and
 * the update changes no indexed column, so it is HOT. The ids go to the update as an array
 * (`= any(array(…))`): joining the CTE instead let the cached generic plan hash-join a scan of
 * the whole partition. A job moved to `jobs_done` by a concurrent cancel makes the statement
 * fail with 40001; it is run again (`retryConflict`).
 *
 * The statement is the function `pipectl_claim_jobs` (migration 0016, where the SQL is), so
 * that it keeps one generic plan: as a prepared statement it was planned on every call.
 */
export async function claimJobs(db: Kysely<Database>, opts: ClaimOptions): Promise<Job[]> {
  if (opts.limit <= 0 || opts.jobTypes.length === 0) return [];
  const claim = prepared(
    'claim_jobs',
    sql<Job>`
      select * from pipectl_claim_jobs(${opts.jobTypes as JobType[]}::text[], ${opts.limit}::int,
        ${opts.workerId}::text, ${opts.leaseSeconds}::int, ${opts.start ?? opts.limit}::int)
    `,
  );
  const { rows } = await retryConflict(() => claim.execute(db));
  return rows;
}
