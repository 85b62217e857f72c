/**
 * What each part of a job's completion costs the server: the shipped completion statement
 * (src/pipeline/queue/complete-job.ts) and variants with a part left out, each run N times as a
 * prepared statement on one connection, one job per statement (each its own commit). Prints the
 * backend's CPU per job (from /proc, so PostgreSQL must run on this host) and the WAL per job.
 * The variants are measurements, not alternatives: the schema contract needs the history row
 * and one job_events row per transition.
 *
 *   npx tsx bench/queue-throughput/completion-cost.ts [--jobs N] [--rounds R] [--database-url URL]
 */
import { parseArgs } from 'node:util';
import { Kysely, PostgresDialect, sql } from 'kysely';
import { migrateToLatest } from '../../src/db/migrator.js';
import { createPgPool } from '../../src/db/pg-pool.js';
import { prepared } from '../../src/db/prepared.js';
import type { Database, Job } from '../../src/db/schema.js';
import { completeJob } from '../../src/pipeline/queue/complete-job.js';
import { databasePrefix, dropDatabase, recreateDatabase } from './bench-database.js';
import { processCpuMs } from './cpu-meter.js';

const { values } = parseArgs({
  options: {
    jobs: { type: 'string', short: 'n', default: '5000' },
    rounds: { type: 'string', default: '2' },
    'database-url': { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/postgres' },
  },
});
const jobs = Number(values.jobs);
const rounds = Number(values.rounds);
const serverUrl = values['database-url'];

const kept = `job_id, job_type, domain_id, sitemap_file_id, page_id, payload, priority, attempts, max_attempts,
  run_at, locked_by, last_error, created_at, started_at`;
const history = `insert into jobs_done (job_id, job_type, status, domain_id, sitemap_file_id, page_id, payload,
    priority, attempts, max_attempts, run_at, locked_by, lease_expires_at, last_error, created_at, started_at,
    finished_at, updated_at)
  select job_id, job_type, 'complete', domain_id, sitemap_file_id, page_id, payload, priority, attempts,
    max_attempts, run_at, locked_by, null, last_error, created_at, started_at, now(), now()
  from moved returning job_id, attempts`;
const event = (from: string) =>
  `insert into job_events (job_id, from_status, to_status, worker_id, attempt)
   select job_id, 'running', 'complete', 'w', attempts from ${from}`;
const moved = (returning: string) =>
  `moved as (delete from jobs_live where job_id = $1 and status = 'running' and locked_by = 'w' returning ${returning})`;

/**
 * The variants, from the shipped completion down to graphile-worker's bare delete. The first is
 * `completeJob` itself (no next job to start: as for the last job of a buffer); the others are
 * its statement with parts left out.
 */
const variants: ReadonlyArray<{ name: string; text?: string }> = [
  { name: 'as shipped (completeJob): delete, history row, event' },
  {
    name: 'without the (empty) start of a next job',
    text: `with ${moved(kept)}, done as (${history}), events as (${event('done')}) select job_id from done`,
  },
  {
    name: 'delete and history row, no event',
    text: `with ${moved(kept)}, done as (${history}) select job_id from done`,
  },
  {
    name: 'delete and event, no history row',
    text: `with ${moved('job_id, attempts')} ${event('moved')} returning job_id`,
  },
  {
    name: 'bare delete (graphile-worker’s completion)',
    text: `delete from jobs_live where job_id = $1 and status = 'running' and locked_by = 'w' returning job_id`,
  },
];

const name = `${databasePrefix}_completion`;
const url = await recreateDatabase(serverUrl, name);
// One connection for the whole run, so that one backend's CPU counts every statement.
const pool = createPgPool({ connectionString: url, max: 1 });
const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
await migrateToLatest(db);
const run = (text: string) => sql.raw(text).execute(db);
const backendPid = async () => (await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(db)).rows[0]?.pid;

/** A variant's text as a prepared statement, its `$1` the job's id. */
function variantStatement(i: number, text: string, jobId: string) {
  const fragments = Object.assign(text.split('$1'), { raw: text.split('$1') }) as unknown as TemplateStringsArray;
  return prepared(`completion_${i}`, sql<{ job_id: string }>(fragments, ...fragments.slice(1).map(() => jobId)));
}

try {
  const pid = (await backendPid()) ?? 0;
  const cpuMs = () => processCpuMs(pid) ?? Number.NaN;
  const complete = (text: string | undefined, i: number, jobId: string) =>
    text === undefined
      ? completeJob(db, { job_id: jobId } as Job, 'w').then(() => 1)
      : variantStatement(i, text, jobId)
          .execute(db)
          .then((r) => r.rows.length);
  const results = new Map<string, { cpu: number[]; wal: number[] }>();
  for (let round = 0; round < rounds; round++) {
    for (const [i, v] of variants.entries()) {
      await run('truncate jobs_done, job_events; delete from jobs_live');
      await sql`
        insert into jobs (job_type, payload, status, attempts, locked_by, started_at, lease_expires_at)
        select 'noop', '{}', 'running', 1, 'w', now(), now() + interval '1 hour' from generate_series(1, ${jobs})
      `.execute(db);
      const ids = (await sql<{ job_id: string }>`select job_id from jobs_live order by job_id`.execute(db)).rows;
      await run('vacuum analyze jobs_live, jobs_done, job_events');
      await run('checkpoint');
      const lsn = (await sql<{ lsn: string }>`select pg_current_wal_lsn() as lsn`.execute(db)).rows[0]?.lsn;
      const cpuBefore = cpuMs();
      for (const { job_id } of ids) {
        const n = await complete(v.text, i, job_id);
        if (n !== 1) throw new Error(`${v.name}: completed ${n} rows`);
      }
      const spentMs = cpuMs() - cpuBefore;
      const wal = (
        await sql<{ b: string }>`select pg_wal_lsn_diff(pg_current_wal_lsn(), ${lsn}::pg_lsn) as b`.execute(db)
      ).rows[0]?.b;
      // The pool's one connection must not have been replaced: its CPU is what was measured.
      if ((await backendPid()) !== pid) throw new Error('the connection changed during the run; run again');
      const r = results.get(v.name) ?? { cpu: [], wal: [] };
      r.cpu.push((spentMs * 1000) / jobs);
      r.wal.push(Number(wal) / jobs);
      results.set(v.name, r);
    }
  }
  const range = (xs: number[]) => `${Math.round(Math.min(...xs))}–${Math.round(Math.max(...xs))}`;
  process.stdout.write(
    `completion cost: ${jobs} jobs per variant, ${rounds} rounds, one connection, one commit per job\n\n`,
  );
  process.stdout.write(`${'variant'.padEnd(64)}  backend CPU µs/job  WAL B/job\n`);
  for (const [variant, r] of results) {
    process.stdout.write(`${variant.padEnd(64)}  ${range(r.cpu).padStart(18)}  ${range(r.wal).padStart(9)}\n`);
  }
  process.stdout.write(
    '\nWAL is the whole cluster’s; CPU ticks are 10 ms, so use N ≥ 5000. Backend CPU includes each commit.\n',
  );
} finally {
  await db.destroy();
  await dropDatabase(serverUrl, name);
}
