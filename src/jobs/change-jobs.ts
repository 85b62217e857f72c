import { type Kysely, sql } from 'kysely';
import { retryConflict } from '../db/retry-conflict.js';
import type { Database, JobStatus } from '../db/schema.js';

export interface JobChange {
  jobId: string;
  /** `changed`: retried or cancelled (in a dry run: would be). */
  outcome: 'changed' | 'skipped';
  from?: JobStatus;
  reason?: string;
}

export interface ChangeOptions {
  /** Who made the change, for job_events.worker_id. */
  actor?: string;
}

export interface RetryOptions extends ChangeOptions {
  /** Decide every outcome with the real run's statement, and change nothing. */
  dryRun?: boolean;
}

/** Ids per cancel statement: bounds the arrays sent and the rows one statement locks. */
const batchSize = 5000;

/** Each id once, in the order given (ids compare case-insensitively, as UUIDs do). */
function distinctIds(jobIds: string[]): string[] {
  return [...new Set(jobIds.map((id) => id.toLowerCase()))];
}

/**
 * Puts finished-badly jobs (failed or cancelled) back to `pending`, runnable now, with a fresh
 * set of attempts; each change is a job_events row. A job whose input already has a live job is
 * skipped (the one-live-job-per-input rule), and of several given jobs for one input only the
 * newest is retried; so is a job that is not failed or cancelled, and an unknown id. One
 * statement for all ids; a dry run is the same statement with the update left out, so it
 * decides exactly as the real run does (252,952 failed jobs of 10M, bench/audit-at-scale data
 * on a loaded 2-core machine: 48 s end to end, against 98 s for the real update rolled back
 * and minutes for the former two statements per job).
 */
export async function retryJobs(db: Kysely<Database>, jobIds: string[], opts: RetryOptions = {}): Promise<JobChange[]> {
  const actor = opts.actor ?? 'cli';
  const ids = distinctIds(jobIds);
  if (ids.length === 0) return [];
  const retried = opts.dryRun
    ? sql`select job_id, status as from_status from eligible`
    : sql`update jobs j set status = 'pending', attempts = 0, run_at = now(), finished_at = null, locked_by = null,
                            lease_expires_at = null, updated_at = now()
            from eligible e where j.job_id = e.job_id and j.status in ('failed', 'cancelled')
          returning j.job_id, e.status as from_status`;
  const events = opts.dryRun
    ? sql``
    : sql`, events as (
          insert into job_events (job_id, from_status, to_status, worker_id, message)
          select job_id, from_status, 'pending', ${actor}, 'retried by operator' from retried
        )`;
  // A job moved between `jobs` partitions under the statement (40001), or a deadlock PostgreSQL
  // broke by rolling this back (40P01), fails it: run it again (`retryConflict`).
  return retryConflict(() =>
    db.transaction().execute(async (trx) => {
      const { rows } = await sql<{ job_id: string; from_status: JobStatus | null; outcome: string }>`
      with wanted as (
        select w.job_id, w.n from unnest(${ids}::uuid[]) with ordinality as w(job_id, n)
      ), target as materialized (
        select j.job_id, j.status, j.job_type, j.created_at, coalesce(j.page_id, j.sitemap_file_id, j.domain_id) as input
          from jobs j join wanted w on w.job_id = j.job_id
        ${opts.dryRun ? sql`` : sql`for update of j`}
      ), eligible as (
        -- The same expression as jobs_one_active_per_input, so that the probe uses it. A job
        -- without input (noop) is its own key.
        select distinct on (t.job_type, coalesce(t.input::text, t.job_id::text)) t.job_id, t.status
          from target t
         where t.status in ('failed', 'cancelled')
           and not exists (
             select 1 from jobs o
              where o.job_type = t.job_type and o.status in ('pending', 'running')
                and coalesce(o.page_id, o.sitemap_file_id, o.domain_id) = t.input
           )
         order by t.job_type, coalesce(t.input::text, t.job_id::text), t.created_at desc
      ), retried as (${retried})${events}
      select w.job_id::text as job_id, t.status as from_status,
             case when r.job_id is not null then 'changed'
                  when t.job_id is null then 'no such job'
                  when t.status not in ('failed', 'cancelled') then 'it is ' || t.status
                  else 'another live job exists for the same input' end as outcome
        from wanted w
        left join target t on t.job_id = w.job_id
        left join retried r on r.job_id = w.job_id
       order by w.n
    `.execute(trx);
      const results = rows.map(toChange);
      if (!opts.dryRun && results.some((r) => r.outcome === 'changed'))
        await sql`select pg_notify('pipectl_jobs', 'retry')`.execute(trx);
      return results;
    }),
  );
}

/**
 * Cancels pending or running jobs. A running job's worker finds at commit that it no longer
 * holds the job, so its results are discarded. Each change is a job_events row.
 */
export async function cancelJobs(
  db: Kysely<Database>,
  jobIds: string[],
  opts: ChangeOptions = {},
): Promise<JobChange[]> {
  const actor = opts.actor ?? 'cli';
  const ids = distinctIds(jobIds);
  // A job moved between `jobs` partitions under the statement (40001), or a deadlock PostgreSQL
  // broke by rolling this back (40P01), fails it: run it again (`retryConflict`).
  return retryConflict(() =>
    db.transaction().execute(async (trx) => {
      const results: JobChange[] = [];
      for (let i = 0; i < ids.length; i += batchSize) {
        const batch = ids.slice(i, i + batchSize);
        const { rows } = await sql<{ job_id: string; from_status: JobStatus | null; outcome: string }>`
        with wanted as (
          select w.job_id, w.n from unnest(${batch}::uuid[]) with ordinality as w(job_id, n)
        ), target as materialized (
          select j.job_id, j.status from jobs j join wanted w on w.job_id = j.job_id
           for update of j
        ), cancelled as (
          update jobs j set status = 'cancelled', finished_at = now(), locked_by = null, lease_expires_at = null,
                            updated_at = now()
            from target t where j.job_id = t.job_id and t.status in ('pending', 'running') and j.status in ('pending', 'running')
          returning j.job_id, t.status as from_status, j.attempts
        ), events as (
          insert into job_events (job_id, from_status, to_status, worker_id, attempt, message)
          select job_id, from_status, 'cancelled', ${actor}, attempts, 'cancelled by operator' from cancelled
        )
        select w.job_id::text as job_id, t.status as from_status,
               case when c.job_id is not null then 'changed'
                    when t.job_id is null then 'no such job'
                    else 'it is ' || t.status end as outcome
          from wanted w
          left join target t on t.job_id = w.job_id
          left join cancelled c on c.job_id = w.job_id
         order by w.n
      `.execute(trx);
        for (const r of rows) results.push(toChange(r));
      }
      return results;
    }),
  );
}

function toChange(r: { job_id: string; from_status: JobStatus | null; outcome: string }): JobChange {
  const from = r.from_status ?? undefined;
  return r.outcome === 'changed'
    ? { jobId: r.job_id, outcome: 'changed', from }
    : { jobId: r.job_id, outcome: 'skipped', ...(from ? { from } : {}), reason: r.outcome };
}
