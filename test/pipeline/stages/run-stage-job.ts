import type { Kysely } from 'kysely';
import { pino } from 'pino';
import type { Database, Job, JobType } from '../../../src/db/schema.js';
import { claimJobs } from '../../../src/pipeline/queue/claim-jobs.js';
import { completeJob } from '../../../src/pipeline/queue/complete-job.js';
import type { StageHandler } from '../../../src/pipeline/stage.js';

export const silentLogger = pino({ level: 'silent' });
const workerId = 'stage-test-worker';

/** Claims every pending job of the handler's type, as the worker does, and returns them. */
export function claimAll(db: Kysely<Database>, jobType: JobType): Promise<Job[]> {
  return claimJobs(db, { workerId, jobTypes: [jobType], limit: 1000, leaseSeconds: 60 });
}

/** The handler's run(), with the context the worker gives it. */
export function runOnly<R>(db: Kysely<Database>, handler: StageHandler<R>, job: Job): Promise<R> {
  return handler.run(job, { db, signal: new AbortController().signal, logger: silentLogger });
}

/** The worker's commit: the job completed first, then the handler's writes, in one transaction. */
export function commitOnly<R>(db: Kysely<Database>, handler: StageHandler<R>, job: Job, result: R): Promise<void> {
  return db.transaction().execute(async (trx) => {
    await completeJob(trx, job, workerId);
    await handler.commit(job, result, { trx, workerId, logger: silentLogger });
  });
}

/** Claims and runs every pending job of the handler's type to completion, one after another. */
export async function runPendingJobs<R>(
  db: Kysely<Database>,
  handler: StageHandler<R>,
): Promise<{ job: Job; result: R }[]> {
  const done: { job: Job; result: R }[] = [];
  for (const job of await claimAll(db, handler.jobType)) {
    const result = await runOnly(db, handler, job);
    await commitOnly(db, handler, job, result);
    done.push({ job, result });
  }
  return done;
}

/** Puts finished jobs back to pending, as `pipectl jobs retry` or a lease rescue does. */
export async function requeue(db: Kysely<Database>, jobIds: string[]): Promise<void> {
  if (jobIds.length === 0) return;
  await db
    .updateTable('jobs')
    .set({ status: 'pending', locked_by: null, lease_expires_at: null, finished_at: null })
    .where('job_id', 'in', jobIds)
    .execute();
}
