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
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { migrateToLatest } from '../../src/db/migrator.js';
import { createPgPool } from '../../src/db/pg-pool.js';
import type { Database } from '../../src/db/schema.js';
import { databasePrefix, dropDatabase, recreateDatabase } from './bench-database.js';

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

/** The variants, from the shipped statement down to graphile-worker's bare delete. */
const variants: ReadonlyArray<{ name: string; text: string }> = [
  {
    name: 'as shipped: start of the next job, delete, history row, event',
    text: `with started as (update jobs_live set started_at = now()
             where job_id = $2::uuid and status = 'running' and locked_by = 'w' returning job_id),
           ${moved(kept)}, done as (${history}), events as (${event('done')})
           select job_id, array(select job_id::text from started) as started from done`,
  },
  {
    name: 'without the next job’s start',
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

const ticksPerSecond = 100;
function backendCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / ticksPerSecond;
}

const name = `${databasePrefix}_completion`;
const url = await recreateDatabase(serverUrl, name);
const pool = createPgPool({ connectionString: url, max: 1 });
await migrateToLatest(new Kysely<Database>({ dialect: new PostgresDialect({ pool }) }));
await pool.end();
const client = new pg.Client({ connectionString: url, application_name: 'pipectl-bench' });
client.on('error', () => {});
await client.connect();
try {
  const pid = (await client.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]?.pid ?? 0;
  const results = new Map<string, { cpu: number[]; wal: number[] }>();
  for (let round = 0; round < rounds; round++) {
    for (const [i, v] of variants.entries()) {
      await client.query('truncate jobs_done, job_events; delete from jobs_live');
      await client.query(
        `insert into jobs (job_type, payload, status, attempts, locked_by, started_at, lease_expires_at)
         select 'noop', '{}', 'running', 1, 'w', now(), now() + interval '1 hour' from generate_series(1, $1)`,
        [jobs],
      );
      const ids = (await client.query<{ job_id: string }>('select job_id from jobs_live order by job_id')).rows;
      await client.query('vacuum analyze jobs_live, jobs_done, job_events');
      await client.query('checkpoint');
      const lsn = (await client.query<{ lsn: string }>('select pg_current_wal_lsn() as lsn')).rows[0]?.lsn;
      const cpuBefore = backendCpuMs(pid);
      for (const { job_id } of ids) {
        const values = i === 0 ? [job_id, null] : [job_id];
        const r = await client.query({ name: `completion_${i}`, text: v.text, values });
        if (r.rowCount !== 1) throw new Error(`${v.name}: completed ${r.rowCount} rows`);
      }
      const cpuMs = backendCpuMs(pid) - cpuBefore;
      const wal = (await client.query<{ b: string }>(`select pg_wal_lsn_diff(pg_current_wal_lsn(), $1) as b`, [lsn]))
        .rows[0]?.b;
      const r = results.get(v.name) ?? { cpu: [], wal: [] };
      r.cpu.push((cpuMs * 1000) / jobs);
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
  await client.end();
  await dropDatabase(serverUrl, name);
}
