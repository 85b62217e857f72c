import { type Kysely, sql } from 'kysely';
import type { Database } from '../../src/db/schema.js';

export { createNoopRuns, insertNoopJobs } from '../../bench/shared/noop-jobs.js';

/** Counts of jobs by status. */
export async function jobStatusCounts(db: Kysely<Database>): Promise<Record<string, number>> {
  const { rows } = await sql<{
    status: string;
    n: number;
  }>`select status, count(*)::int as n from jobs group by status`.execute(db);
  return Object.fromEntries(rows.map((r) => [r.status, r.n]));
}

/** Runs per job from noop_runs: the proof of exactly-once. */
export async function runsPerJob(db: Kysely<Database>): Promise<{ jobs: number; maxRuns: number; minRuns: number }> {
  const { rows } = await sql<{ jobs: number; max_runs: number | null; min_runs: number | null }>`
    select count(*)::int as jobs, max(n)::int as max_runs, min(n)::int as min_runs
    from (select j.job_id, count(r.job_id) as n from jobs j left join noop_runs r using (job_id) group by j.job_id) per_job
  `.execute(db);
  const r = rows[0];
  return { jobs: r?.jobs ?? 0, maxRuns: r?.max_runs ?? 0, minRuns: r?.min_runs ?? 0 };
}
