// How fast a worker starts (issue 15 §2): `pipectl process` from spawn to registration, in CPU
// seconds and wall time, against the PostgreSQL server and the embedded PGlite, idle and with a
// CPU hog on every core; and `pipectl --help` wall time. Prints p50 and max over --runs runs.
//
//   npm run bench:startup -- [--runs 10] [--no-load] [--only server,pglite,help] [--bin path/to/bin/run.js]
//
// --bin measures another build (say, a checkout of main with its own `npm run build`), for
// before/after figures taken back to back on a machine whose load keeps changing.
// The server is BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres); a
// throwaway database is created and migrated on it and dropped at the end. "Registered" is the
// worker's "worker started" log line, which it writes right after its `workers` insert commits;
// CPU is the child's user+sys from /proc/<pid>/stat read the moment that line arrives (all its
// threads; clock ticks, so 10 ms resolution). Runs against an empty queue with --until-idle, so
// each worker exits straight after.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { admin } from '../shared/bench-server.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const serverUrl = process.env.BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i === -1 ? fallback : process.argv[i + 1];
};
const bin = path.resolve(arg('--bin', path.join(root, 'bin/run.js')));
const runs = Number(arg('--runs', '10'));
const only = arg('--only', 'server,pglite,help').split(',');
const withLoad = !process.argv.includes('--no-load');
const ticksPerSecond = Number(spawnSync('getconf', ['CLK_TCK']).stdout.toString().trim() || 100);
const log = (line = '') => process.stdout.write(`${line}\n`);

const withDatabase = (url, name) => {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
};

/** user+sys CPU seconds of a live process, all its threads included. */
function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces) start at field 3; utime and stime are 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
}

/**
 * What the build's V8 code caches come to in this Node (src/vendor/load-bundle.cts), so that a
 * figure taken without them says so: each bundle and its outcome, loaded in a separate process.
 */
function codeCaches() {
  const vendor = path.resolve(path.dirname(bin), '../dist/vendor');
  if (!existsSync(path.join(vendor, 'load-bundle.cjs'))) return 'none in this build';
  const script = `
    const path = require('node:path');
    const vendor = ${JSON.stringify(vendor)};
    const { loadBundle, codeCacheOutcomes } = require(path.join(vendor, 'load-bundle.cjs'));
    for (const f of require('node:fs').readdirSync(vendor)) if (f.endsWith('.bundle.cjs')) loadBundle(path.join(vendor, f));
    const outcomes = Object.entries(codeCacheOutcomes()).map(([f, o]) => path.basename(f, '.bundle.cjs') + ' ' + o);
    process.stdout.write(outcomes.join(', '));`;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout : `could not be read: ${r.stderr.trim()}`;
}

/** This process's environment plus `env`; a value of undefined removes a variable. */
const childEnv = (env) =>
  Object.fromEntries(Object.entries({ ...process.env, ...env }).filter(([, v]) => v !== undefined));

/** One `pipectl process` start: wall and CPU seconds from spawn to its "worker started" line. */
function startWorker(env) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [bin, 'process', '--until-idle', '--log-format', 'json'], {
      env: childEnv(env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let measured;
    let buffered = '';
    let stderr = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk) => {
      buffered += chunk;
      if (measured === undefined && buffered.includes('"msg":"worker started"')) {
        measured = { wall: (performance.now() - started) / 1000, cpu: cpuSeconds(child.pid) };
      }
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (measured && code === 0) resolve(measured);
      else reject(new Error(`pipectl process exited ${code} without registering: ${stderr.trim()}`));
    });
  });
}

/** `pipectl --help`, spawn to exit. */
function help() {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [bin, '--help'], { stdio: 'ignore' });
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve({ wall: (performance.now() - started) / 1000 }) : reject(new Error(`--help exited ${code}`)),
    );
  });
}

/** One busy-looping process per core, until stopped (also when the bench is interrupted). */
function cpuHogs() {
  const hogs = os.cpus().map(() => spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));
  const stop = () => {
    for (const h of hogs) h.kill('SIGKILL');
  };
  const interrupted = () => {
    stop();
    process.exit(130);
  };
  process.once('SIGINT', interrupted).once('SIGTERM', interrupted);
  return () => {
    process.off('SIGINT', interrupted).off('SIGTERM', interrupted);
    stop();
  };
}

const quantile = (values, q) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
};
const fmt = (values) =>
  values.length === 0 ? '–' : `${quantile(values, 0.5).toFixed(3)} / ${Math.max(...values).toFixed(3)}`;

async function measure(label, once) {
  await once(); // warm the page cache (and, embedded, create and migrate the data directory)
  const rows = [];
  for (let i = 0; i < runs; i++) rows.push(await once());
  const cpu = rows.filter((r) => r.cpu !== undefined).map((r) => r.cpu);
  log(`| ${label} | ${runs} | ${fmt(cpu)} | ${fmt(rows.map((r) => r.wall))} | ${os.loadavg()[0].toFixed(2)} |`);
}

const database = `pipectl_bench_startup_${process.pid}`;
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'pipectl-bench-startup-'));
const serverEnv = { DATABASE_URL: withDatabase(serverUrl, database), PIPECTL_DATA_DIR: undefined };
const pgliteEnv = { DATABASE_URL: undefined, PIPECTL_DATA_DIR: path.join(dataDir, 'data') };

try {
  if (only.includes('server')) {
    await admin(`drop database if exists ${database}`);
    await admin(`create database ${database}`);
    const migrated = spawnSync(process.execPath, [bin, 'db', 'migrate'], { env: childEnv(serverEnv) });
    if (migrated.status !== 0) throw new Error(`db migrate failed: ${migrated.stderr}`);
  }
  log(
    `${path.relative(process.cwd(), bin) || bin}: node ${process.version}, ${os.cpus().length} cores, ${runs} runs each (after one warm-up run)`,
  );
  log(`V8 code caches: ${codeCaches()}`);
  log(
    `load average at start: ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  log();
  log('| what | runs | CPU-s p50 / max | wall s p50 / max | load avg (1 min) after |');
  log('|---|---|---|---|---|');
  for (const loaded of withLoad ? [false, true] : [false]) {
    const stop = loaded ? cpuHogs() : () => {};
    const when = loaded ? `, + ${os.cpus().length} CPU hogs` : ', no hogs';
    try {
      if (only.includes('server')) await measure(`process → registered, server${when}`, () => startWorker(serverEnv));
      if (only.includes('pglite')) await measure(`process → registered, PGlite${when}`, () => startWorker(pgliteEnv));
      if (only.includes('help')) await measure(`--help${when}`, help);
    } finally {
      stop();
    }
  }
  log();
  log('goal (idle machine): process → registered ≤ 0.25 CPU-s and ≤ 0.35 s wall; --help ≤ 0.12 s');
} finally {
  rmSync(dataDir, { recursive: true, force: true });
  if (only.includes('server')) await admin(`drop database if exists ${database}`).catch(() => {});
}
