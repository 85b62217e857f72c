import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import pg from 'pg';
import { startGeneratedSites } from './generated-sites.js';
import { QueueDepthSampler, type StageQueue } from './queue-depth-sampler.js';

const binPath = path.resolve('bin/run.js');

export interface PipelineOptions {
  /** The benchmark's own database. */
  url: string;
  domains: number;
  pagesPerDomain: number;
  pagesPerSitemap: number;
  /** `pipectl process --concurrency`. */
  concurrency: number;
  /** Queue depth sampling interval, ms. */
  sampleMs: number;
}

/** What one run of the whole pipeline gave. */
export interface PipelineFigures {
  /** From `pipectl process` starting to its exit, s. */
  seconds: number;
  domainsComplete: number;
  pages: number;
  pagesScanned: number;
  contacts: number;
  /** Every stage's queue, the slowest to drain first. */
  queues: StageQueue[];
  samples: number;
  requests: number;
  /** The worker's `worker stopped` line. */
  worker: Record<string, unknown> | undefined;
  /** CPU the `pipectl process` child used, s (user + system). */
  workerCpuSeconds: number;
  /** Log lines at error level (a job that failed for good). */
  errors: string[];
  /** What the run should have produced and did not. */
  shortfalls: string[];
}

/** Runs `pipectl` (the built CLI) and resolves with its exit code, handing each stdout line to `onLine`. */
function runPipectl(args: string[], onLine: (line: string) => void = () => {}): Promise<number | null> {
  const child = spawn(process.execPath, [binPath, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  createInterface({ input: child.stdout }).on('line', onLine);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) process.stderr.write(`pipectl ${args[0]} exited ${code}\n${stderr}`);
      resolve(code);
    });
  });
}

/**
 * CPU time of this process's children that have exited and been waited for, s: fields 16 and 17
 * (cutime, cstime) of /proc/self/stat, in clock ticks (100 per second on Linux). Undefined
 * elsewhere.
 */
function childrenCpuSeconds(): number | undefined {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 (state); cutime and cstime are fields 16 and 17.
    return (Number(fields[13]) + Number(fields[14])) / 100;
  } catch {
    return undefined;
  }
}

async function count(client: pg.Client, query: string): Promise<number> {
  const { rows } = await client.query<{ n: number }>(`select (${query})::int as n`);
  return rows[0]?.n ?? 0;
}

/**
 * The whole pipeline, as production runs it: the generated sites on loopback, `pipectl domains
 * add --file` for all of them, then one `pipectl process --concurrency C --until-idle` child
 * process doing WF4 → WF5 → WF7 against the server, while the queue depth of every stage is
 * sampled on a separate connection. The clock runs from spawning the worker to its exit.
 */
export async function measurePipeline(o: PipelineOptions): Promise<PipelineFigures> {
  const sites = await startGeneratedSites({
    domains: o.domains,
    pagesPerDomain: o.pagesPerDomain,
    pagesPerSitemap: o.pagesPerSitemap,
  });
  const folder = mkdtempSync(path.join(os.tmpdir(), 'pipectl-bench-pipeline-'));
  const client = new pg.Client({ connectionString: o.url, application_name: 'pipectl-bench' });
  let connected = false;
  try {
    const file = path.join(folder, 'domains.txt');
    writeFileSync(file, `${sites.domains.join('\n')}\n`);
    if ((await runPipectl(['domains', 'add', '--file', file, '--database-url', o.url])) !== 0) {
      throw new Error('pipectl domains add failed');
    }
    const sampler = new QueueDepthSampler(o.url, o.sampleMs);
    await sampler.start();
    let worker: Record<string, unknown> | undefined;
    const errors: string[] = [];
    const started = performance.now();
    const cpuBefore = childrenCpuSeconds();
    const code = await runPipectl(
      [
        'process',
        '--concurrency',
        String(o.concurrency),
        '--until-idle',
        '--connect-to',
        sites.connectTo,
        '--scheme',
        'http',
        '--database-url',
        o.url,
        '--log-format',
        'json',
      ],
      (line) => {
        if (!line.startsWith('{')) return;
        const entry = JSON.parse(line) as { level?: number; msg?: string };
        if (entry.msg === 'worker stopped') worker = entry;
        if ((entry.level ?? 0) >= 50 && errors.length < 5) errors.push(line);
      },
    );
    const seconds = (performance.now() - started) / 1000;
    const cpuAfter = childrenCpuSeconds();
    const queues = await sampler.stop();
    if (code !== 0) throw new Error(`pipectl process exited ${code}`);

    await client.connect();
    connected = true;
    const figures: PipelineFigures = {
      seconds,
      domainsComplete: await count(client, `select count(*) from domains where sitemap_analysis_status = 'complete'`),
      pages: await count(client, 'select count(*) from pages'),
      pagesScanned: await count(client, `select count(*) from pages where contact_scan_status = 'complete'`),
      contacts: await count(client, 'select count(*) from contacts'),
      queues,
      samples: sampler.count,
      requests: sites.requests(),
      worker,
      workerCpuSeconds: cpuBefore === undefined || cpuAfter === undefined ? Number.NaN : cpuAfter - cpuBefore,
      errors,
      shortfalls: [],
    };
    const pages = o.domains * o.pagesPerDomain;
    const expect = (what: string, got: number, wanted: number) => {
      if (got !== wanted) figures.shortfalls.push(`${what}: ${got}, expected ${wanted}`);
    };
    expect('domains complete', figures.domainsComplete, o.domains);
    expect('pages', figures.pages, pages);
    expect('pages scanned', figures.pagesScanned, pages);
    expect('contacts (one email and one phone per page)', figures.contacts, 2 * pages);
    return figures;
  } finally {
    if (connected) await client.end();
    await sites.close();
    rmSync(folder, { recursive: true, force: true });
  }
}
