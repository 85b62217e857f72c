import type { Kysely } from 'kysely';
import type { Database, JobStatus, JobType } from '../db/schema.js';

export interface JobFilter {
  status: JobStatus[];
  stage?: JobType[];
  /** Jobs that finished (or were created, if unfinished) at or after this time. */
  since?: Date;
  until?: Date;
  domain?: string;
}

/** Ids of the jobs a filter matches, oldest first. */
export async function findJobIds(db: Kysely<Database>, f: JobFilter): Promise<string[]> {
  let q = db
    .selectFrom('jobs as j')
    .leftJoin('domains as d', 'd.id', 'j.domain_id')
    .select('j.job_id')
    .where('j.status', 'in', f.status)
    .where('j.job_type', '<>', 'noop')
    .orderBy('j.created_at');
  if (f.stage?.length) q = q.where('j.job_type', 'in', f.stage);
  if (f.since) q = q.where((eb) => eb.fn.coalesce('j.finished_at', 'j.created_at'), '>=', f.since);
  if (f.until) q = q.where((eb) => eb.fn.coalesce('j.finished_at', 'j.created_at'), '<', f.until);
  if (f.domain) q = q.where('d.domain', '=', f.domain);
  return (await q.execute()).map((r) => r.job_id);
}
