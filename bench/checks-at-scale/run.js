// The default health checks at scale: loads 10,000,000 jobs, 1,000,000 domains and 5,000,000
// pages into a database of its own on a PostgreSQL server, runs the default checks 5 times,
// and prints the median time per check and in total, `pipectl check` end to end, and each
// check's plan. The goal (issue 6): the whole default check in under 2 s, and no sequential scan
// of pages or of finished jobs (jobs_done; jobs_live, live work only, is read whole by design:
// migration 0013). Exits 1 when either is missed.
//
//   npm run build && node bench/checks-at-scale/run.js [--keep] [--scale 0.01]
//
// The server is BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres); the
// database pipectl_bench_checks is created on it and dropped at the end (kept with --keep).
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { loadChecksFile } from '../../dist/checks/load-checks-file.js';
import { shippedChecksPath } from '../../dist/checks/resolve-checks-path.js';
import { compileCheckQuery } from '../../dist/checks/run-check.js';
import { runChecks } from '../../dist/checks/run-checks.js';
import { migrateToLatest } from '../../dist/db/migrator.js';
import { admin, serverUrl, withDatabase } from '../shared/bench-server.js';
import { generate, scaleBy } from './generate.js';

const database = 'pipectl_bench_checks';
const runs = 5;
const goalMs = 2000;
// `pipectl check` runs checks at most --pool-size (default 10) at a time; so does the bench.
const concurrency = 10;
const keep = process.argv.includes('--keep');
const scaleArg = process.argv.indexOf('--scale');
const scale = scaleBy(scaleArg === -1 ? 1 : Number(process.argv[scaleArg + 1]));
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

const benchUrl = withDatabase(serverUrl, database);
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const ms = (value) => (value < 1000 ? `${value.toFixed(1)} ms` : `${(value / 1000).toFixed(2)} s`);
const log = (line = '') => process.stdout.write(`${line}\n`);

/** The scan nodes of a JSON plan, as `Index Scan using jobs_claim_idx on jobs_live`, in plan order. */
function scans(plan, out = []) {
  if (plan['Relation Name'] || plan['Index Name']) {
    const using = plan['Index Name'] ? ` using ${plan['Index Name']}` : '';
    const on = plan['Relation Name'] ? ` on ${plan['Relation Name']}` : '';
    out.push(`${plan['Node Type']}${using}${on}`);
  }
  for (const child of plan.Plans ?? []) scans(child, out);
  return out;
}

async function main() {
  const started = performance.now();
  await admin(`drop database if exists ${database} with (force)`);
  await admin(`create database ${database}`);
  const pool = new pg.Pool({ connectionString: benchUrl, max: concurrency });
  const db = new Kysely({ dialect: new PostgresDialect({ pool }) });
  try {
    await migrateToLatest(db);
    const client = await pool.connect();
    try {
      log(`loading into ${database} …`);
      await generate(client, scale, (label, took) => log(`  ${label.padEnd(48)} ${ms(took)}`));
    } finally {
      client.release();
    }
    const { rows: counts } = await pool.query(
      `select (select count(*) from domains) as domains, (select count(*) from jobs) as jobs,
              (select count(*) from pages) as pages, (select count(*) from sitemap_files) as sitemap_files`,
    );
    const c = counts[0];
    log(
      `loaded in ${ms(performance.now() - started)}: ${Object.entries(c)
        .map(([k, v]) => `${Number(v).toLocaleString('en')} ${k}`)
        .join(', ')}`,
    );

    const file = await loadChecksFile(shippedChecksPath, root);
    const perCheck = new Map(file.checks.map((check) => [check.name, []]));
    const totals = [];
    const statuses = new Map();
    for (let i = 0; i < runs; i += 1) {
      const t0 = performance.now();
      const results = await runChecks(db, file.checks, { concurrency, enforcesTimeout: true });
      totals.push(performance.now() - t0);
      for (const r of results) {
        perCheck.get(r.name).push(r.durationMs);
        statuses.set(r.name, r.error ? `error: ${r.error}` : `${r.status} (${r.violations ?? r.value})`);
      }
    }

    const cli = [];
    for (let i = 0; i < runs; i += 1) {
      const t0 = performance.now();
      const r = spawnSync(process.execPath, [path.join(root, 'bin/run.js'), 'check', '--json'], {
        env: { ...process.env, DATABASE_URL: benchUrl },
        encoding: 'utf8',
      });
      cli.push(performance.now() - t0);
      if (r.status !== 1) throw new Error(`pipectl check exited ${r.status}, expected 1 (failing checks): ${r.stderr}`);
    }

    log();
    log(`median of ${runs} runs of the ${file.checks.length} default checks, ${concurrency} at a time:`);
    log(`${'check'.padEnd(28)} ${'median'.padStart(9)}  result`);
    const seqScans = [];
    const plans = [];
    for (const check of file.checks) {
      log(`${check.name.padEnd(28)} ${ms(median(perCheck.get(check.name))).padStart(9)}  ${statuses.get(check.name)}`);
      const query = compileCheckQuery(check);
      const { rows } = await pool.query(`explain (format json) ${query.sql}`, query.parameters);
      const nodes = scans(rows[0]['QUERY PLAN'][0].Plan);
      plans.push([check.name, nodes]);
      // jobs_live (pending and running jobs only, migration 0013) is read whole by design: an
      // index on its status or lease would make every claim a non-HOT update. History is not.
      for (const node of nodes) {
        if (/^Seq Scan on (jobs|jobs_done|pages)$/.test(node)) seqScans.push(`${check.name}: ${node}`);
      }
    }
    const total = median(totals);
    const endToEnd = median(cli);
    log(`${'total (wall clock)'.padEnd(28)} ${ms(total).padStart(9)}  runs: ${totals.map(ms).join(', ')}`);
    log(
      `${'pipectl check end to end'.padEnd(28)} ${ms(endToEnd).padStart(9)}  (a new process each time: start-up, connect, run, record)`,
    );
    log();
    log('plans (scan nodes):');
    for (const [name, nodes] of plans) {
      log(`  ${name}`);
      for (const node of [...new Set(nodes)]) log(`    ${node}`);
    }
    log();
    const met = endToEnd < goalMs && seqScans.length === 0;
    log(
      `goal: whole default check < ${ms(goalMs)} with no sequential scan of pages or finished jobs (jobs_done): ${met ? 'met' : 'MISSED'}`,
    );
    for (const s of seqScans) log(`  sequential scan: ${s}`);
    process.exitCode = met ? 0 : 1;
  } finally {
    await db.destroy();
    if (keep) log(`kept ${benchUrl}`);
    else await admin(`drop database if exists ${database} with (force)`);
  }
}

await main();
