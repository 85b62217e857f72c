// The incident audit at scale (issue 8): on the 10,000,000-job / 1,000,000-domain /
// 5,000,000-page data set of bench/checks-at-scale, times `audit domain` (a stuck domain and a
// healthy one), `audit impact` (the last 7 and 69 days) and `audit stuck`, 5 runs each, median;
// then the same through the CLI, end to end. Goal: audit domain and audit impact under 1 s.
// Then the HTML status page (issue 18) over 30 days of 5-minute runs of every default check
// (77,760 check_runs rows, loaded here): its generation time and file size (goal: under 1 MB).
//
//   npm run build && node bench/audit-at-scale/run.js [--keep] [--reuse] [--scale 0.01]
//
// The database pipectl_bench_audit is created on BENCH_DATABASE_URL (default
// postgres://postgres@127.0.0.1:5432/postgres) and dropped at the end (--keep keeps it;
// --reuse skips the load when it is already there).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { assessImpact } from '../../dist/audit/assess-impact.js';
import { domainVerdict } from '../../dist/audit/domain-verdict.js';
import { findStuckWork } from '../../dist/audit/find-stuck-work.js';
import { traceDomain } from '../../dist/audit/trace-domain.js';
import { loadChecksFile } from '../../dist/checks/load-checks-file.js';
import { shippedChecksPath } from '../../dist/checks/resolve-checks-path.js';
import { migrateToLatest } from '../../dist/db/migrator.js';
import { createPgPool } from '../../dist/db/pg-pool.js';
import { gatherStatus } from '../../dist/html/gather-status.js';
import { renderStatusPage } from '../../dist/html/render-status-page.js';
import { generate, scaleBy } from '../checks-at-scale/generate.js';

const serverUrl = process.env.BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
const database = 'pipectl_bench_audit';
const runs = 5;
const goalMs = 1000;
const keep = process.argv.includes('--keep');
const reuse = process.argv.includes('--reuse');
const scaleArg = process.argv.indexOf('--scale');
const scale = scaleBy(scaleArg === -1 ? 1 : Number(process.argv[scaleArg + 1]));
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const log = (line = '') => process.stdout.write(`${line}\n`);
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const ms = (v) => (v < 1000 ? `${v.toFixed(1)} ms` : `${(v / 1000).toFixed(2)} s`);

const withDatabase = (url, name) => {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
};
const benchUrl = withDatabase(serverUrl, database);

async function adminQuery(text, values) {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    return await client.query(text, values);
  } finally {
    await client.end();
  }
}

async function load() {
  const exists = (await adminQuery('select 1 from pg_database where datname = $1', [database])).rowCount > 0;
  if (exists && reuse) {
    log(`reusing ${database}`);
    return;
  }
  await adminQuery(`drop database if exists ${database} with (force)`);
  await adminQuery(`create database ${database}`);
  const db = new Kysely({
    dialect: new PostgresDialect({ pool: createPgPool({ connectionString: benchUrl, max: 2 }) }),
  });
  await migrateToLatest(db);
  await db.destroy();
  const client = new pg.Client({ connectionString: benchUrl });
  await client.connect();
  log(
    `loading ${scale.domains.toLocaleString()} domains, ${scale.jobs.toLocaleString()} jobs, ${scale.pages.toLocaleString()} pages`,
  );
  const started = performance.now();
  await generate(client, scale, (label, t) => log(`  ${label.padEnd(40)} ${ms(t)}`));
  // A timeline for the traced domains, as the queue would have written it.
  await client.query(`
    insert into job_events (job_id, from_status, to_status, at, worker_id, attempt)
    select job_id, null, 'pending', created_at, null, 0 from jobs where domain_id in (250, 12345)
    union all
    select job_id, 'pending', 'running', started_at, locked_by, 1 from jobs where domain_id in (250, 12345) and started_at is not null
    union all
    select job_id, 'running', status, finished_at, locked_by, 1 from jobs where domain_id in (250, 12345) and finished_at is not null`);
  // 30 days of \`pipectl check\` every 5 minutes, every default check: the status page's history. Each
  // check's status changes every 3 hours (one strip cell), the worst case for the page's size.
  const checks = (await loadChecksFile(shippedChecksPath, root)).checks.map((c) => c.name);
  await client.query(
    `insert into check_runs (run_id, check_name, status, value, violations, duration_ms, at)
     select gen_random_uuid(), n, (array['pass', 'warn', 'fail', 'error'])[1 + (k / 36) % 4], random() * 1000, k % 7, 3,
            now() - make_interval(mins => 5 * k)
       from unnest($1::text[]) as n, generate_series(0, 30 * 288 - 1) as k`,
    [checks],
  );
  await client.query('vacuum analyze check_runs');
  await client.end();
  log(`loaded in ${ms(performance.now() - started)}`);
}

async function time(label, fn) {
  const samples = [];
  let result;
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    result = await fn();
    samples.push(performance.now() - t);
  }
  return { label, median: median(samples), result };
}

function cli(args) {
  const t = performance.now();
  const r = spawnSync(process.execPath, [path.join(root, 'bin/run.js'), ...args], {
    env: { ...process.env, DATABASE_URL: benchUrl },
    encoding: 'utf8',
  });
  return { ms: performance.now() - t, code: r.status, stdout: r.stdout, stderr: r.stderr };
}

async function main() {
  await load();
  const db = new Kysely({
    dialect: new PostgresDialect({ pool: createPgPool({ connectionString: benchUrl, max: 10 }) }),
  });
  const day = 86_400_000;
  const now = Date.now();
  const results = [
    await time('audit domain d250.example (stuck: submitted, job pending)', async () =>
      domainVerdict(await traceDomain(db, 'd250.example')),
    ),
    await time('audit domain d12345.example (complete)', async () =>
      domainVerdict(await traceDomain(db, 'd12345.example')),
    ),
    await time('audit impact --since 7d', () => assessImpact(db, new Date(now - 7 * day), new Date(now))),
    await time('audit impact --since 69d', () => assessImpact(db, new Date(now - 69 * day), new Date(now))),
    await time('audit stuck --older-than 15m', () => findStuckWork(db, { olderThanMs: 15 * 60_000 })),
    await time('status page --days 30 (read and render)', async () => {
      const checks = await loadChecksFile(shippedChecksPath, root);
      const data = await gatherStatus(db, { checks, days: 30, now: new Date(), envName: 'bench', backend: 'postgres' });
      return renderStatusPage(data);
    }),
  ];
  await db.destroy();

  log('');
  log(`library calls, median of ${runs} (goal: audit domain and audit impact under ${ms(goalMs)})`);
  for (const r of results) log(`  ${r.label.padEnd(60)} ${ms(r.median).padStart(10)}`);
  log('');
  log(`  verdict d250.example:   ${results[0].result.sentence}`);
  log(`  verdict d12345.example: ${results[1].result.sentence}`);
  const impact69 = results[3].result;
  log(`  impact 69d totals: ${JSON.stringify(impact69.totals)}`);
  const page = results[5].result;
  log(`  status page --days 30: ${Buffer.byteLength(page).toLocaleString()} bytes (goal: under 1,000,000)`);

  log('');
  log('end to end through the CLI (a new process each, including Node start-up), median of 3');
  const endToEnd = [
    ['audit', 'domain', 'd250.example', '--json'],
    ['audit', 'impact', '--since', '69d', '--json'],
  ];
  const pageFile = path.join(mkdtempSync(path.join(os.tmpdir(), 'pipectl-bench-report-')), 'status.html');
  endToEnd.push(['report', '--output', pageFile, '--days', '30']);
  for (const args of endToEnd) {
    const samples = [];
    let last;
    for (let i = 0; i < 3; i++) {
      last = cli(args);
      samples.push(last.ms);
    }
    log(`  pipectl ${args.join(' ').padEnd(40)} ${ms(median(samples)).padStart(10)}  exit ${last.code}`);
  }

  log(`  status page file: ${statSync(pageFile).size.toLocaleString()} bytes`);

  const slow = results.filter((r) => /domain|impact/.test(r.label) && r.median > goalMs);
  if (!keep) await adminQuery(`drop database if exists ${database} with (force)`);
  if (slow.length > 0) {
    log(`\nMISSED the ${ms(goalMs)} goal: ${slow.map((r) => r.label).join('; ')}`);
    process.exitCode = 1;
  }
}

await main();
