import { type Kysely, sql } from 'kysely';
import type { Database, JobType } from '../../db/schema.js';

/** How many jobs of one type are in one live status, and how long the oldest runnable one has waited. */
export interface QueueDepth {
  jobType: JobType;
  status: 'pending' | 'running';
  count: number;
  /** Seconds since the oldest runnable pending job's run_at; null for running jobs and when none is runnable. */
  oldestSeconds: number | null;
}

/**
 * The queue's depth by job type and status, for `/metrics` (read at scrape time, so true for
 * the whole fleet) and the HTML status page.
 *
 * SQL: one grouped scan of the live jobs (jobs_status_run_at_idx, where status in ('pending', 'running')).
 */
export async function readQueueDepth(db: Kysely<Database>): Promise<QueueDepth[]> {
  const { rows } = await sql<QueueDepth>`
    select job_type as "jobType", status, count(*)::int as count,
           extract(epoch from now() - min(run_at) filter (where status = 'pending' and run_at <= now()))::float8 as "oldestSeconds"
      from jobs where status in ('pending', 'running') group by job_type, status
  `.execute(db);
  return rows;
}
