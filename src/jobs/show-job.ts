import type { Kysely } from 'kysely';
import type { Database, JobEvent } from '../db/schema.js';
import { PipectlError } from '../errors.js';
import { assertJobIds } from './job-ids.js';
import type { JobRow } from './list-jobs.js';

export interface JobDetail {
  job: JobRow;
  events: JobEvent[];
}

/** One job with its full event timeline. Unknown id: exit 1. */
export async function showJob(db: Kysely<Database>, jobId: string): Promise<JobDetail> {
  assertJobIds([jobId]);
  const job = await db
    .selectFrom('jobs as j')
    .leftJoin('domains as d', 'd.id', 'j.domain_id')
    .selectAll('j')
    .select('d.domain')
    .where('j.job_id', '=', jobId)
    .executeTakeFirst();
  if (!job)
    throw new PipectlError('not_found', `no job ${jobId} — list jobs with \`pipectl jobs list\``, { exitCode: 1 });
  const events = await db
    .selectFrom('job_events')
    .selectAll()
    .where('job_id', '=', jobId)
    .orderBy('at')
    .orderBy('id')
    .execute();
  return { job, events };
}
