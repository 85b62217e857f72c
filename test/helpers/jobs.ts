import { type Kysely, sql } from 'kysely';
import type { Database } from '../../src/db/schema.js';

/** Bulk-creates noop jobs in one statement, as a benchmark or a test needs them. */
export async function insertNoopJobs(
  db: Kysely<Database>,
  count: number,
  payload: Record<string, unknown> = {},
  extra: { maxAttempts?: number } = {},
): Promise<void> {
  await sql`
    insert into jobs (job_type, payload, max_attempts)
    select 'noop', ${JSON.stringify(payload)}::jsonb, ${extra.maxAttempts ?? 5} from generate_series(1, ${count})
  `.execute(db);
}

/** The table in which the noop stage records each committed run. */
export async function createNoopRuns(db: Kysely<Database>): Promise<void> {
  await sql`create table if not exists noop_runs (job_id uuid not null, worker_id text not null, at timestamptz not null default now())`.execute(
    db,
  );
}

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
