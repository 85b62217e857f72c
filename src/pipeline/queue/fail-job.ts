import { type Kysely, sql, type Transaction } from 'kysely';
import { prepared } from '../../db/prepared.js';
import type { Database, Job, JobStatus } from '../../db/schema.js';

export interface FailOptions {
  workerId: string;
  error: string;
  /** Retrying cannot help: fail now, whatever attempts remain. */
  permanent: boolean;
  /** When to retry, if the job has attempts left. */
  retryDelayMs: number;
}

/**
 * Records a failed run. With attempts left (and a transient error) the job goes back to
 * `pending` at `now() + retryDelayMs`; otherwise it is `failed` for good, keeping its last error
 * (each attempt's error stays in job_events). A sitemap job that fails for good sets its domain
 * to `error` in the same statement. Guarded on `locked_by`: a worker that lost its lease changes
 * nothing. Returns the job's new status, or undefined if it was no longer held.
 */
export async function failJob(
  db: Kysely<Database> | Transaction<Database>,
  job: Job,
  opts: FailOptions,
): Promise<JobStatus | undefined> {
  const error = opts.error.slice(0, 4000);
  const { rows } = await prepared(
    'fail_job',
    sql<{ status: JobStatus }>`
      with failed as (
        update jobs set
          status = case when ${opts.permanent} or attempts >= max_attempts then 'failed' else 'pending' end,
          run_at = case when ${opts.permanent} or attempts >= max_attempts then run_at
                        else now() + make_interval(secs => ${opts.retryDelayMs / 1000}) end,
          finished_at = case when ${opts.permanent} or attempts >= max_attempts then now() end,
          last_error = ${error}, locked_by = null, lease_expires_at = null, updated_at = now()
        where job_id = ${job.job_id} and status = 'running' and locked_by = ${opts.workerId}
        returning job_id, job_type, domain_id, status, attempts
      ), events as (
        insert into job_events (job_id, from_status, to_status, worker_id, attempt, message)
        select job_id, 'running', status, ${opts.workerId}, attempts, ${error} from failed
      ), domains_failed as (
        update domains d set sitemap_analysis_status = 'error', sitemap_analysis_error = ${error}
        from failed
        where failed.status = 'failed' and failed.job_type = 'sitemap' and d.id = failed.domain_id
      )
      select status from failed
    `,
  ).execute(db);
  return rows[0]?.status;
}
