import { type Kysely, sql } from 'kysely';
import type { Database, Job, JobStatus, JobType } from '../db/schema.js';

export interface ListJobsOptions {
  status?: JobStatus[];
  stage?: JobType[];
  /** Ids of the domains whose jobs to list (see findDomains). */
  domainIds?: number[];
  limit: number;
}

export type JobRow = Job & { domain: string | null };

/** Jobs, newest first, filtered by status, stage and domain. */
export async function listJobs(db: Kysely<Database>, opts: ListJobsOptions): Promise<JobRow[]> {
  let q = db
    .selectFrom('jobs as j')
    .leftJoin('domains as d', 'd.id', 'j.domain_id')
    .selectAll('j')
    .select('d.domain')
    .orderBy('j.created_at', 'desc')
    .limit(opts.limit);
  if (opts.status?.length) q = q.where('j.status', 'in', opts.status);
  if (opts.stage?.length) q = q.where('j.job_type', 'in', opts.stage);
  if (opts.domainIds) q = q.where('j.domain_id', '=', sql<number>`any(${opts.domainIds}::bigint[])`);
  return q.execute();
}
