import { type Kysely, sql, type Transaction } from 'kysely';
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
 * Marks a running job complete inside the caller's transaction, first of all, so that the row
 * lock it takes guards the handler's writes that follow: if another worker rescued the job, this
 * throws `LeaseLostError` and the whole transaction, results included, rolls back. A job is
 * therefore completed at most once, and its results are written exactly when it completes.
 * Called on the database itself (no transaction) only by a handler that writes nothing: the
 * statement is then its own transaction.
 * `locked_by` is kept: it names the worker that completed the job, and lets a worker whose
 * commit was cut off by a lost connection see that its commit did land (`completedBy`).
 *
 * `startIds` are buffered jobs that will take the freed slot: their start is recorded in the
 * same statement (as `markJobsStarted` would), which saves a round trip and a commit per job.
 * Returns the ids it marked.
 */
export async function completeJob(
  trx: Transaction<Database> | Kysely<Database>,
  job: Job,
  workerId: string,
  startIds: string[] = [],
): Promise<Set<string>> {
  const { rows } = await prepared(
    'complete_job',
    sql<{ job_id: string; started: string[] }>`
      with started as (
        update jobs set started_at = now()
        where job_id = any(${startIds}::uuid[]) and status = 'running' and locked_by = ${workerId}
        returning job_id
      ), done as (
        update jobs set status = 'complete', finished_at = now(), lease_expires_at = null, updated_at = now()
        where job_id = ${job.job_id} and status = 'running' and locked_by = ${workerId}
        returning job_id, attempts
      ), events as (
        insert into job_events (job_id, from_status, to_status, worker_id, attempt)
        select job_id, 'running', 'complete', ${workerId}, attempts from done
      )
      select job_id, array(select job_id::text from started) as started from done
    `,
  ).execute(trx);
  const row = rows[0];
  if (row === undefined) throw new LeaseLostError(job.job_id, workerId);
  return new Set(row.started);
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
