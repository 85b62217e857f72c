import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Kysely, sql } from 'kysely';
import { expect } from 'vitest';
import type { CheckRun } from '../../../src/checks/check-result.js';
import type { Database } from '../../../src/db/schema.js';
import { runCli } from '../../helpers/cli.js';
import { generatedDomain } from './generated-sites.js';
import { assertPipelineInvariants, type PipelineFigures } from './invariants.js';
import { type FaultPlan, type LoadServer, type LoadServerStats, startLoadServer } from './load-server.js';
import { recordOutput } from './secrets.js';
import { WorkerPool } from './worker-pool.js';

export interface ScenarioOptions {
  /** Server database URL (with the test password in it). */
  url: string;
  db: Kysely<Database>;
  domains: number;
  workers: number;
  concurrency: number;
  /** Extra `pipectl process` flags. */
  processArgs?: readonly string[];
  faults?: FaultPlan;
  /** Runs while the workers work (kills, terminations); the scenario waits for it too. */
  disrupt?: (ctx: DisruptContext) => Promise<void>;
  /** Longest the pipeline may take to finish, ms. */
  timeoutMs: number;
  /** A name for progress lines. */
  label: string;
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
  try {
    server = await startLoadServer({ faults: o.faults });
    const added = await runCli(['domains', 'add', '--file', domainsFile(o.domains), '--json'], env, 120_000);
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
        '200ms',
        ...(o.processArgs ?? []),
      ],
      env,
    );
    const started = performance.now();
    pool.start(o.workers);
    let finished = false;
    const ctx: DisruptContext = {
      pool,
      db: o.db,
      done: () => finished,
      finished: async () => (await remaining(o.db)).finished,
    };
    const disruption = o.disrupt?.(ctx) ?? Promise.resolve();
    const deadline = started + o.timeoutMs;
    let nextReport = started + 15_000;
    try {
      for (;;) {
        const left = await remaining(o.db);
        if (left.domains === 0 && left.jobs === 0) break;
        const now = performance.now();
        if (now > deadline) {
          throw new Error(
            `${o.label}: not finished after ${o.timeoutMs / 1000}s: ${left.domains} domains, ${left.jobs} jobs left\n${pool.problems()}`,
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
    const codes = await pool.stopAll();
    expect(codes, pool.problems()).toEqual(codes.map(() => 0));

    const figures = await assertPipelineInvariants(o.db, o.domains);
    const check = await runCli(['check', '--json'], env, 120_000);
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
    };
  } finally {
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
    checks: Object.fromEntries(r.checks.checks.map((c) => [c.name, c.status])),
    ...extra,
  };
  process.stderr.write(`\n  RELIABILITY ${JSON.stringify(line)}\n`);
}
