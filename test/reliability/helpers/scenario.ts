import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Kysely, sql } from 'kysely';
import { expect } from 'vitest';
import type { CheckRun } from '../../../src/checks/check-result.js';
import type { Database } from '../../../src/db/schema.js';
import { runCli } from '../../helpers/cli.js';
import type { CpuQuota } from './cpu-quota.js';
import { generatedDomain } from './generated-sites.js';
import { assertPipelineInvariants, type CrashFigures, crashFigures, type PipelineFigures } from './invariants.js';
import { type FaultPlan, type LoadServer, type LoadServerStats, startLoadServer } from './load-server.js';
import { recordOutput } from './secrets.js';
import { type PoolStartups, WorkerPool } from './worker-pool.js';

export interface ScenarioOptions {
  /** Server database URL (with the test password in it). */
  url: string;
  db: Kysely<Database>;
  domains: number;
  workers: number;
  concurrency: number;
  /**
   * The workers' `--retry-delay` (default 200ms, so that flaky sites' retries finish quickly). It
   * is also the backoff of a rescued job that ran.
   */
  retryDelay?: string;
  /** Extra `pipectl process` flags. */
  processArgs?: readonly string[];
  faults?: FaultPlan;
  /** Runs while the workers work (kills, terminations); the scenario waits for it too. */
  disrupt?: (ctx: DisruptContext) => Promise<void>;
  /** Longest the pipeline may take to finish, ms. */
  timeoutMs: number;
  /** A name for progress lines. */
  label: string;
  /** Run the workers (not PostgreSQL, not vitest) inside this CPU quota. */
  cpuQuota?: CpuQuota;
}

export interface DisruptContext {
  pool: WorkerPool;
  db: Kysely<Database>;
  /** Whether the pipeline has finished: a disruption stops then. */
  done: () => boolean;
  /** Domains finished so far. */
  finished: () => Promise<number>;
}

export interface ScenarioResult {
  figures: PipelineFigures;
  stats: LoadServerStats;
  /** From the first worker's start to the last domain and job finished. */
  seconds: number;
  domainsPerMinute: number;
  /** Workers started, restarts included. */
  workersStarted: number;
  checks: CheckRun;
  /** Everything the workers and CLI commands wrote. */
  output: string;
  /** Spawn → registration of every worker, and the workers killed before they registered. */
  startups: PoolStartups;
  /** The longest a live, registered worker went without a heartbeat (sampled every 250 ms), ms. */
  maxHeartbeatGapMs: number;
  crash: CrashFigures;
}

/**
 * Samples the age of every live worker's heartbeat (workers the pool still runs), so that a
 * scenario can say how long a working worker went silent; killed workers are left out.
 */
function sampleHeartbeats(db: Kysely<Database>, pool: WorkerPool): { stop: () => Promise<number> } {
  let max = 0;
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const { rows } = await sql<{ pid: number; age_ms: number }>`
        select pid, (extract(epoch from clock_timestamp() - heartbeat_at) * 1000)::float8 as age_ms
        from workers where stopped_at is null
      `
        .execute(db)
        .catch(() => ({ rows: [] as { pid: number; age_ms: number }[] }));
      // Read after the query: a worker alive now was alive while it ran.
      const live = new Set(pool.livePids());
      for (const r of rows) if (live.has(r.pid)) max = Math.max(max, r.age_ms);
      await new Promise((r) => setTimeout(r, 250));
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      await loop;
      return Math.round(max);
    },
  };
}

/** Domains and jobs not yet finished: the pipeline is done when both are 0. */
async function remaining(db: Kysely<Database>): Promise<{ domains: number; jobs: number; finished: number }> {
  const { rows } = await sql<{ domains: number; jobs: number; finished: number }>`
    select
      (select count(*)::int from domains where sitemap_analysis_status not in ('complete', 'error')) as domains,
      (select count(*)::int from jobs where status in ('pending', 'running')) as jobs,
      (select count(*)::int from domains where sitemap_analysis_status in ('complete', 'error')) as finished
  `.execute(db);
  return rows[0] as { domains: number; jobs: number; finished: number };
}

/** Writes the generated domain names to a file for `pipectl domains add --file`. */
function domainsFile(count: number): string {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'pipectl-reliability-')), 'domains.txt');
  writeFileSync(file, `${Array.from({ length: count }, (_, i) => generatedDomain(i)).join('\n')}\n`);
  return file;
}

/**
 * One end-to-end scenario: serves `domains` generated sites, adds them with `pipectl domains
 * add --file`, runs `workers` × `pipectl process --concurrency N` against the server database
 * until every domain and job is finished (while `disrupt` does its damage), stops the workers
 * with SIGTERM, then asserts the invariants and runs `pipectl check` with the default checks.
 */
export async function runScenario(o: ScenarioOptions): Promise<ScenarioResult> {
  const env = { DATABASE_URL: o.url };
  let server: LoadServer | undefined;
  let pool: WorkerPool | undefined;
  let heartbeats: ReturnType<typeof sampleHeartbeats> | undefined;
  try {
    server = await startLoadServer({ faults: o.faults });
    const added = await runCli(['domains', 'add', '--file', domainsFile(o.domains), '--json'], {
      env,
      timeoutMs: 120_000,
    });
    recordOutput(added);
    expect(added.code, added.stderr).toBe(0);
    expect(JSON.parse(added.stdout)).toMatchObject({ added: o.domains, rejected: 0 });

    pool = new WorkerPool(
      [
        '--concurrency',
        String(o.concurrency),
        '--scheme',
        'http',
        '--connect-to',
        server.connectTo,
        '--log-format',
        'json',
        '--poll-interval',
        '1s',
        '--retry-delay',
        o.retryDelay ?? '200ms',
        ...(o.processArgs ?? []),
      ],
      env,
      o.cpuQuota === undefined ? undefined : (pid) => o.cpuQuota?.add(pid),
    );
    const started = performance.now();
    pool.start(o.workers);
    heartbeats = sampleHeartbeats(o.db, pool);
    let finished = false;
    const ctx: DisruptContext = {
      pool,
      db: o.db,
      done: () => finished,
      finished: async () => (await remaining(o.db)).finished,
    };
    // A disruption that fails (the machine is too slow for its cadence) fails the scenario at once.
    let disruptionError: unknown;
    const disruption = (o.disrupt?.(ctx) ?? Promise.resolve()).catch((err: unknown) => {
      disruptionError = err;
    });
    const deadline = started + o.timeoutMs;
    let nextReport = started + 15_000;
    try {
      for (;;) {
        if (disruptionError !== undefined) throw disruptionError;
        const left = await remaining(o.db);
        if (left.domains === 0 && left.jobs === 0) break;
        const now = performance.now();
        if (now > deadline) {
          throw new Error(
            `${o.label}: not finished after ${o.timeoutMs / 1000}s: ${left.domains} domains, ${left.jobs} jobs left; ` +
              `${pool.started} workers started, spawn → registration ${JSON.stringify(percentiles(pool.startups().startupMs))} ms\n${pool.problems()}`,
          );
        }
        if (now >= nextReport) {
          process.stderr.write(
            `  [${o.label}] ${Math.round((now - started) / 1000)}s: ${left.finished}/${o.domains} domains finished, ${left.jobs} jobs pending or running\n`,
          );
          nextReport = now + 15_000;
        }
        await new Promise((r) => setTimeout(r, 500));
      }
    } finally {
      finished = true;
    }
    const seconds = (performance.now() - started) / 1000;
    await disruption;
    if (disruptionError !== undefined) throw disruptionError;
    const maxHeartbeatGapMs = await heartbeats.stop();
    // A worker signalled before it has installed its handlers dies by the signal; one that
    // never registered holds nothing, but wait for it so that every exit code means something.
    await Promise.all(Array.from({ length: pool.size }, (_, i) => pool?.registered(i, 0, 60_000)));
    const codes = await pool.stopAll();
    expect(codes, pool.problems()).toEqual(codes.map(() => 0));

    const crash = await crashFigures(o.db);
    const figures = await assertPipelineInvariants(o.db, o.domains);
    const check = await runCli(['check', '--json'], { env, timeoutMs: 120_000 });
    recordOutput(check);
    const checks = JSON.parse(check.stdout) as CheckRun;
    const notPassing = checks.checks.filter((c) => c.status !== 'pass').map((c) => `${c.name}: ${c.status}`);
    expect(check.code, `pipectl check: ${notPassing.join(', ')}\n${check.stderr}`).toBe(0);
    const output = pool.output();
    recordOutput({ stdout: output, stderr: '' });
    return {
      figures,
      stats: server.stats,
      seconds,
      domainsPerMinute: Math.round((o.domains / seconds) * 60),
      workersStarted: pool.started,
      checks,
      output,
      startups: pool.startups(),
      maxHeartbeatGapMs,
      crash,
    };
  } finally {
    await heartbeats?.stop();
    await pool?.killAll();
    await server?.close();
  }
}

/** Prints a scenario's figures, for docs/reliability.md. */
export function report(label: string, r: ScenarioResult, extra: Record<string, unknown> = {}): void {
  const line = {
    scenario: label,
    seconds: Math.round(r.seconds),
    domainsPerMinute: r.domainsPerMinute,
    domains: r.figures.domains,
    jobs: r.figures.jobs,
    jobsByType: r.figures.jobsByType,
    pages: r.figures.pagesByStatus,
    pageErrors: r.figures.pageErrors,
    contacts: r.figures.contacts,
    events: r.figures.events,
    rescues: r.figures.rescues,
    retries: r.figures.retries,
    runMs: r.figures.runMs,
    requests: r.stats.requests,
    faults: r.stats.faults,
    workersStarted: r.workersStarted,
    startupMs: percentiles(r.startups.startupMs),
    killedBeforeRegistration: r.startups.killedBeforeRegistration,
    maxHeartbeatGapMs: r.maxHeartbeatGapMs,
    crash: r.crash,
    checks: Object.fromEntries(r.checks.checks.map((c) => [c.name, c.status])),
    ...extra,
  };
  process.stderr.write(`\n  RELIABILITY ${JSON.stringify(line)}\n`);
}

/** p50, p99 and max of a list of milliseconds (0s when empty). */
export function percentiles(ms: number[]): { p50: number; p99: number; max: number } {
  const sorted = [...ms].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  return { p50: Math.round(at(0.5)), p99: Math.round(at(0.99)), max: Math.round(sorted.at(-1) ?? 0) };
}
