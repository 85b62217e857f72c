import { type Kysely, type RawBuilder, sql, type Transaction } from 'kysely';
import { prepared } from '../../db/prepared.js';
import type { Database, Job } from '../../db/schema.js';

/** This worker no longer holds the job (its lease expired and it was rescued): its results must not commit. */
export class LeaseLostError extends Error {
  constructor(jobId: string, workerId: string) {
    super(`job ${jobId} is no longer held by ${workerId} (its lease expired and it was rescued)`);
    this.name = 'LeaseLostError';
  }
}

/**
 * Marks a running job complete, keeping `locked_by` for `completedBy`, and records the start of
 * `startId`, the buffered job that takes the freed slot (as `markJobsStarted` would, in the same
 * round trip). Returns the ids it marked; throws `LeaseLostError` if this worker no longer holds
 * the job. Pass `db` instead of a transaction only for a handler that writes nothing.
 *
 * Call it first in the transaction that writes the job's results: its row lock guards them, so
 * the results commit exactly when the job completes, and never for a job rescued elsewhere.
 */
export async function completeJob(
  trx: Transaction<Database> | Kysely<Database>,
  job: Job,
  workerId: string,
  startId?: string,
): Promise<Set<string>> {
  // One id each, not arrays: PostgreSQL keeps a generic plan for this text. For `= any($ids)`
  // it replans on every call (its generic estimate, 10 ids, costs more than a custom plan for
  // one), which measured about 150 µs of server CPU more per job.
  const { completed, started } = await completion(
    trx,
    'complete_job',
    sql`job_id = ${job.job_id}::uuid`,
    sql`job_id = ${startId ?? null}::uuid`,
    workerId,
  );
  if (!completed.has(job.job_id)) throw new LeaseLostError(job.job_id, workerId);
  return started;
}

/**
 * `completeJob` for several jobs in one statement (the worker's group commit): completes those of
 * `jobIds` this worker still holds, and records the start of those of `startIds` it holds.
 * Returns both; a job missing from `completed` is one whose lease was lost.
 */
export function completeJobs(
  trx: Transaction<Database> | Kysely<Database>,
  workerId: string,
  jobIds: readonly string[],
  startIds: readonly string[] = [],
): Promise<{ completed: Set<string>; started: Set<string> }> {
  return completion(
    trx,
    'complete_jobs',
    sql`job_id = any(${jobIds}::uuid[])`,
    sql`job_id = any(${startIds}::uuid[])`,
    workerId,
  );
}

/**
 * The completion statement, for one job or several. Each row leaves `jobs_live` by a delete and
 * enters `jobs_done` by an insert, with its `job_events` row, in one statement (migration 0013).
 * A plain update of `jobs` would move it too, but through the parent table, and a concurrent
 * statement reaching for a row moved that way fails (40001) where one finding it deleted simply
 * finds nothing.
 */
async function completion(
  trx: Transaction<Database> | Kysely<Database>,
  name: string,
  jobs: RawBuilder<unknown>,
  starts: RawBuilder<unknown>,
  workerId: string,
): Promise<{ completed: Set<string>; started: Set<string> }> {
  const { rows } = await prepared(
    name,
    sql<{ completed: string[]; started: string[] }>`
      with started as (
        update jobs_live set started_at = now()
        where ${starts} and status = 'running' and locked_by = ${workerId}
        returning job_id
      ), moved as (
        delete from jobs_live
        where ${jobs} and status = 'running' and locked_by = ${workerId}
        returning job_id, job_type, domain_id, sitemap_file_id, page_id, payload, priority, attempts,
          max_attempts, run_at, locked_by, last_error, created_at, started_at
      ), done as (
        insert into jobs_done (job_id, job_type, status, domain_id, sitemap_file_id, page_id, payload, priority,
          attempts, max_attempts, run_at, locked_by, lease_expires_at, last_error, created_at, started_at,
          finished_at, updated_at)
        select job_id, job_type, 'complete', domain_id, sitemap_file_id, page_id, payload, priority,
          attempts, max_attempts, run_at, locked_by, null, last_error, created_at, started_at, now(), now()
        from moved
        returning job_id, attempts
      ), events as (
        insert into job_events (job_id, from_status, to_status, worker_id, attempt)
        select job_id, 'running', 'complete', ${workerId}, attempts from done
      )
      select array(select job_id::text from done) as completed, array(select job_id::text from started) as started
    `,
  ).execute(trx);
  return { completed: new Set(rows[0]?.completed), started: new Set(rows[0]?.started) };
}

/** Whether the job is complete and was completed by this worker (after an ambiguous commit failure). */
export async function completedBy(db: Kysely<Database>, jobId: string, workerId: string): Promise<boolean> {
  const row = await db
    .selectFrom('jobs')
    .select(['status', 'locked_by'])
    .where('job_id', '=', jobId)
    .executeTakeFirst();
  return row?.status === 'complete' && row.locked_by === workerId;
}
