import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { migrateToLatest } from '../../src/db/migrator.js';
import type { Database } from '../../src/db/schema.js';

/** What the loaded configuration finds in its database before its first run. */
export interface Preload {
  /** Finished jobs already in history, each with its three events, over the last 90 days. */
  history: number;
  /** Pending jobs of another type (sitemap, on domains of their own) that no worker here runs. */
  backlog: number;
}

/**
 * Loads a database the way a pipeline that has run for months looks: `history` finished noop
 * jobs (97 % complete, 2 % failed, 1 % cancelled) with their `job_events` (created, claimed,
 * finished), and `backlog` runnable sitemap jobs for domains of their own, which a noop worker
 * never claims but must not be slowed by. Then VACUUM ANALYZE, as autovacuum would in time.
 * Returns the load's duration in ms. Batches of 1M rows, so that no statement holds the whole
 * load in memory.
 */
export async function preloadHistory(url: string, load: Preload, log: (line: string) => void): Promise<number> {
  const started = performance.now();
  const pool = new pg.Pool({ connectionString: url, max: 1, application_name: 'pipectl-bench-preload' });
  pool.on('error', () => {});
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  try {
    await migrateToLatest(db);
    const batch = 1_000_000;
    for (let from = 1; from <= load.history; from += batch) {
      const to = Math.min(load.history, from + batch - 1);
      await pool.query(
        `with made as (
           insert into jobs (job_type, status, attempts, locked_by, run_at, created_at, started_at, finished_at, updated_at, last_error)
           select 'noop', s.status, 1, 'bench-history', t.at, t.at, t.at + interval '1 second', t.at + interval '2 seconds',
                  t.at + interval '2 seconds', case when s.status = 'failed' then 'boom' end
           from generate_series($1::int, $2::int) g,
                lateral (select now() - interval '90 days' * (1 - g::float8 / $3::int) as at) t,
                lateral (select case when g % 100 < 2 then 'failed' when g % 100 = 2 then 'cancelled'
                                     else 'complete' end as status) s
           returning job_id, status, created_at, started_at, finished_at
         )
         insert into job_events (job_id, from_status, to_status, at, worker_id, attempt)
         select job_id, e.from_status, e.to_status, e.at, 'bench-history', e.attempt
         from made, lateral (values (null, 'pending', created_at, 0), ('pending', 'running', started_at, 1),
                                    ('running', status, finished_at, 1)) as e(from_status, to_status, at, attempt)`,
        [from, to, load.history],
      );
      log(`  history: ${to.toLocaleString('en-US')} of ${load.history.toLocaleString('en-US')} finished jobs`);
    }
    if (load.backlog > 0) {
      await pool.query(
        `with d as (
           insert into domains (domain, sitemap_analysis_status)
           select 'backlog-' || g || '.example', 'submitted' from generate_series(1, $1::int) g
           returning id
         )
         insert into jobs (job_type, domain_id) select 'sitemap', id from d`,
        [load.backlog],
      );
      log(`  backlog: ${load.backlog.toLocaleString('en-US')} pending sitemap jobs`);
    }
    await pool.query('vacuum analyze');
    // What was loaded, so that --keep-loaded can reuse the database in a later invocation.
    await pool.query('create table bench_preload (history bigint not null, backlog bigint not null)');
    await pool.query('insert into bench_preload values ($1, $2)', [load.history, load.backlog]);
    return performance.now() - started;
  } finally {
    await db.destroy();
  }
}

/** Whether the database at `url` exists and was loaded by `preloadHistory` with exactly `load`. */
export async function loadedAlready(url: string, load: Preload): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, application_name: 'pipectl-bench-preload' });
  client.on('error', () => {});
  try {
    await client.connect();
  } catch {
    return false; // no such database yet
  }
  try {
    const { rows } = await client.query<{ same: boolean }>(
      `select exists (select 1 from bench_preload where history = $1 and backlog = $2) as same`,
      [load.history, load.backlog],
    );
    return rows[0]?.same === true;
  } catch {
    return false;
  } finally {
    await client.end();
  }
}
