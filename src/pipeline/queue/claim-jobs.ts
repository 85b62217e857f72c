import { type Kysely, sql } from 'kysely';
import { retryMovedRow } from '../../db/moved-row.js';
import { prepared } from '../../db/prepared.js';
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
 * fail with 40001; it is run again (`retryMovedRow`).
 */
export async function claimJobs(db: Kysely<Database>, opts: ClaimOptions): Promise<Job[]> {
  if (opts.limit <= 0 || opts.jobTypes.length === 0) return [];
  const claim = prepared(
    'claim_jobs',
    sql<Job>`
      with candidates as materialized (
        select c.job_id, c.priority, c.run_at
        from unnest(${opts.jobTypes as JobType[]}::text[]) as t(job_type)
        cross join lateral (
          select j.job_id, j.priority, j.run_at from jobs_live j
          where j.job_type = t.job_type and j.status = 'pending' and j.run_at <= now()
          order by j.priority, j.run_at
          limit ${opts.limit}
          for update skip locked
        ) c
        order by c.priority, c.run_at
        limit ${opts.limit}
      ), claimed as (
        update jobs_live j
        set status = 'running', attempts = j.attempts + 1, locked_by = ${opts.workerId},
            lease_expires_at = now() + make_interval(secs => ${opts.leaseSeconds}),
            started_at = case when j.job_id = any(array(
              select job_id from candidates order by priority, run_at limit ${opts.start ?? opts.limit}
            )) then now() end,
            updated_at = now()
        where j.job_id = any(array(select job_id from candidates))
        returning j.*
      ), events as (
        insert into job_events (job_id, from_status, to_status, worker_id, attempt)
        select job_id, 'pending', 'running', ${opts.workerId}, attempts from claimed
      ), domains_started as (
        update domains d set sitemap_analysis_status = 'processing'
        from claimed
        where claimed.job_type = 'sitemap' and d.id = claimed.domain_id
          and d.sitemap_analysis_status <> 'processing'
      )
      select * from claimed order by priority, run_at
    `,
  );
  const { rows } = await retryMovedRow(() => claim.execute(db));
  return rows;
}
