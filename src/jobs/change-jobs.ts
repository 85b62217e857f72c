import { type Kysely, sql } from 'kysely';
import type { Database, JobStatus } from '../db/schema.js';

export interface JobChange {
  jobId: string;
  outcome: 'changed' | 'skipped';
  from?: JobStatus;
  reason?: string;
}

/**
 * Puts finished-badly jobs (failed or cancelled) back to `pending`, runnable now, with a fresh
 * set of attempts; each change is a job_events row. A job whose input already has a live job is
 * skipped (the one-live-job-per-input rule), as is a job that is not failed or cancelled.
 */
export async function retryJobs(db: Kysely<Database>, jobIds: string[], actor = 'cli'): Promise<JobChange[]> {
  return db.transaction().execute(async (trx) => {
    const results: JobChange[] = [];
    for (const jobId of jobIds) {
      const job = await trx.selectFrom('jobs').selectAll().where('job_id', '=', jobId).forUpdate().executeTakeFirst();
      if (!job) {
        results.push({ jobId, outcome: 'skipped', reason: 'no such job' });
        continue;
      }
      if (job.status !== 'failed' && job.status !== 'cancelled') {
        results.push({ jobId, outcome: 'skipped', from: job.status, reason: `it is ${job.status}` });
        continue;
      }
      const { rows } = await sql<{ job_id: string }>`
        with retried as (
          update jobs j set status = 'pending', attempts = 0, run_at = now(), finished_at = null, locked_by = null, updated_at = now()
          where j.job_id = ${jobId}
            and not exists (
              select 1 from jobs o
              where o.job_type = j.job_type and o.status in ('pending', 'running') and o.job_id <> j.job_id
                and coalesce(o.page_id, o.sitemap_file_id, o.domain_id) = coalesce(j.page_id, j.sitemap_file_id, j.domain_id)
            )
          returning j.job_id
        ), events as (
          insert into job_events (job_id, from_status, to_status, worker_id, message)
          select job_id, ${job.status}, 'pending', ${actor}, 'retried by operator' from retried
        )
        select job_id from retried
      `.execute(trx);
      results.push(
        rows.length > 0
          ? { jobId, outcome: 'changed', from: job.status }
          : { jobId, outcome: 'skipped', from: job.status, reason: 'another live job exists for the same input' },
      );
    }
    if (results.some((r) => r.outcome === 'changed')) await sql`select pg_notify('pipectl_jobs', 'retry')`.execute(trx);
    return results;
  });
}

/**
 * Cancels pending or running jobs. A running job's worker finds at commit that it no longer
 * holds the job, so its results are discarded. Each change is a job_events row.
 */
export async function cancelJobs(db: Kysely<Database>, jobIds: string[], actor = 'cli'): Promise<JobChange[]> {
  return db.transaction().execute(async (trx) => {
    const { rows } = await sql<{ job_id: string; from_status: JobStatus }>`
      with target as materialized (
        select job_id, status from jobs where job_id = any(${jobIds}::uuid[]) and status in ('pending', 'running')
        for update
      ), cancelled as (
        update jobs j set status = 'cancelled', finished_at = now(), locked_by = null, lease_expires_at = null,
                        updated_at = now()
        from target t where j.job_id = t.job_id
        returning j.job_id, t.status as from_status, j.attempts
      ), events as (
        insert into job_events (job_id, from_status, to_status, worker_id, attempt, message)
        select job_id, from_status, 'cancelled', ${actor}, attempts, 'cancelled by operator' from cancelled
      )
      select job_id, from_status from cancelled
    `.execute(trx);
    const changed = new Map(rows.map((r) => [r.job_id, r.from_status]));
    const found = await trx.selectFrom('jobs').select(['job_id', 'status']).where('job_id', 'in', jobIds).execute();
    const status = new Map(found.map((r) => [r.job_id, r.status]));
    return jobIds.map((jobId): JobChange => {
      const from = changed.get(jobId);
      if (from) return { jobId, outcome: 'changed', from };
      const s = status.get(jobId);
      return { jobId, outcome: 'skipped', from: s, reason: s ? `it is ${s}` : 'no such job' };
    });
  });
}
