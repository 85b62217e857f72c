import { type Kysely, sql } from 'kysely';
import { type Database, type JobStatus, type JobType, testJobType } from '../db/schema.js';

export interface JobFilter {
  status: JobStatus[];
  stage?: JobType[];
  /** Jobs that finished (or were created, if unfinished) at or after this time. */
  since?: Date;
  until?: Date;
  /** Ids of the domains whose jobs to match (see findDomains). */
  domainIds?: number[];
}

/** Ids of the jobs a filter matches, oldest first; never a test-only job. */
export async function findJobIds(db: Kysely<Database>, f: JobFilter): Promise<string[]> {
  let q = db
    .selectFrom('jobs as j')
    .select('j.job_id')
    .where('j.status', 'in', f.status)
    .where('j.job_type', '<>', testJobType)
    .orderBy('j.created_at');
  if (f.stage?.length) q = q.where('j.job_type', 'in', f.stage);
  if (f.since) q = q.where((eb) => eb.fn.coalesce('j.finished_at', 'j.created_at'), '>=', f.since);
  if (f.until) q = q.where((eb) => eb.fn.coalesce('j.finished_at', 'j.created_at'), '<', f.until);
  if (f.domainIds) q = q.where('j.domain_id', '=', sql<number>`any(${f.domainIds}::bigint[])`);
  return (await q.execute()).map((r) => r.job_id);
}
