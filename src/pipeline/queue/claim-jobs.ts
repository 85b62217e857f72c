import { type Kysely, sql } from 'kysely';
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
 * Uses jobs_claim_idx (priority, run_at) where status = 'pending'.
 */
export async function claimJobs(db: Kysely<Database>, opts: ClaimOptions): Promise<Job[]> {
  if (opts.limit <= 0 || opts.jobTypes.length === 0) return [];
  const { rows } = await prepared(
    'claim_jobs',
    sql<Job>`
      with candidates as materialized (
        select job_id, priority, run_at from jobs
        where status = 'pending' and run_at <= now() and job_type = any(${opts.jobTypes as JobType[]}::text[])
        order by priority, run_at
        limit ${opts.limit}
        for update skip locked
      ), numbered as (
        select job_id, row_number() over (order by priority, run_at) as n from candidates
      ), claimed as (
        update jobs j
        set status = 'running', attempts = j.attempts + 1, locked_by = ${opts.workerId},
            lease_expires_at = now() + make_interval(secs => ${opts.leaseSeconds}),
            started_at = case when c.n <= ${opts.start ?? opts.limit} then now() end, updated_at = now()
        from numbered c
        where j.job_id = c.job_id
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
  ).execute(db);
  return rows;
}
