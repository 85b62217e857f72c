import pg from 'pg';
import type { CpuUsage } from './cpu-meter.js';

/** The prefix of every database the benchmark creates; each system gets its own. */
export const databasePrefix = 'pipectl_bench_queue';

/** The URL of database `name` on the server `serverUrl` points at. */
export function databaseUrlFor(serverUrl: string, name: string): string {
  const u = new URL(serverUrl);
  u.pathname = `/${name}`;
  return u.toString();
}

async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, application_name: 'pipectl-bench' });
  client.on('error', () => {}); // a dropped connection fails the next query, which reports it
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Drops (see `dropDatabase`) and creates an empty database. */
export async function recreateDatabase(serverUrl: string, name: string): Promise<string> {
  await withClient(serverUrl, async (c) => {
    await drop(c, name);
    await c.query(`create database ${pg.escapeIdentifier(name)}`);
  });
  return databaseUrlFor(serverUrl, name);
}

export async function dropDatabase(serverUrl: string, name: string): Promise<void> {
  await withClient(serverUrl, (c) => drop(c, name));
}

/**
 * Waits up to 5 s for the previous run's connections to close (a pool's `end()` resolves when
 * it has asked its connections to close, not when the server has seen them go), then drops the
 * database, disconnecting anyone still on it (a crashed earlier run).
 */
async function drop(c: pg.Client, name: string): Promise<void> {
  const deadline = performance.now() + 5000;
  for (;;) {
    const { rows } = await c.query<{ n: number }>(
      'select count(*)::int as n from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()',
      [name],
    );
    if ((rows[0]?.n ?? 0) === 0 || performance.now() > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await c.query(`drop database if exists ${pg.escapeIdentifier(name)} with (force)`);
}

/** The server settings that decide what a commit costs, printed beside the figures. */
export interface ServerContext {
  version: string;
  synchronousCommit: string;
  fsync: string;
  sharedBuffers: string;
}

export async function serverContext(serverUrl: string): Promise<ServerContext> {
  return withClient(serverUrl, async (c) => {
    const show = async (name: string) => (await c.query<Record<string, string>>(`show ${name}`)).rows[0]?.[name] ?? '?';
    return {
      version: await show('server_version'),
      synchronousCommit: await show('synchronous_commit'),
      fsync: await show('fsync'),
      sharedBuffers: await show('shared_buffers'),
    };
  });
}

/**
 * Puts every system in the same state before its clock starts: planner statistics for the
 * freshly loaded jobs (as autovacuum would soon give them), and no dirty pages from the bulk
 * load waiting to be flushed by a checkpoint in the middle of the measured run.
 */
export async function settleAfterLoad(url: string): Promise<void> {
  await withClient(url, async (c) => {
    await c.query('analyze');
    await c.query('checkpoint').catch(() => {}); // needs superuser or pg_checkpoint; optional
  });
}

/** Polls `check` until it returns true; throws after `deadline` (a performance.now() time). */
export async function waitFor(
  check: () => Promise<boolean> | boolean,
  opts: { intervalMs: number; deadline: number; what: string },
): Promise<void> {
  while (!(await check())) {
    if (performance.now() > opts.deadline) throw new Error(`timed out waiting for ${opts.what}`);
    await new Promise((resolve) => setTimeout(resolve, opts.intervalMs));
  }
}

/** One measured run: how many jobs finished, and the wall time from start to the last commit. */
export interface RunResult {
  jobs: number;
  ms: number;
  /** CPU the run used (see CpuMeter). */
  cpu: CpuUsage;
}

/** What every system's runner is given. */
export interface RunContext {
  /** The system's own, freshly created database. */
  url: string;
  jobs: number;
  concurrency: number;
  /** performance.now() after which the run is abandoned. */
  deadline: number;
}
