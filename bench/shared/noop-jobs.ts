import { type Kysely, sql } from 'kysely';
import type { Database } from '../../src/db/schema.js';

/*
 * The noop stage's jobs (src/pipeline/stages/noop-stage.ts), for the queue's benchmarks and
 * tests alike: test/helpers/jobs.ts re-exports them.
 */

/** Bulk-creates noop jobs in one statement; the payload is the noop stage's (sleepMs, fail, record). */
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

/** The table in which the noop stage records each committed run (payload `record: true`). */
export async function createNoopRuns(db: Kysely<Database>): Promise<void> {
  await sql`create table if not exists noop_runs (job_id uuid not null, worker_id text not null, at timestamptz not null default now())`.execute(
    db,
  );
}
