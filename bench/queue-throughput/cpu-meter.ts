import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import pg from 'pg';

/**
 * What a run cost: CPU time in ms of this Node process and of the PostgreSQL backends serving
 * its database, and the WAL the server wrote meanwhile.
 */
export interface CpuUsage {
  nodeMs: number;
  postgresMs: number;
  /**
   * Bytes of WAL, from pg_current_wal_lsn() before and after. It is the whole cluster's: runs
   * are one after another, so little else writes, but a checkpoint's full-page images count.
   */
  walBytes: number;
}

function clockTicksPerSecond(): number {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
}
const ticksPerSecond = clockTicksPerSecond();

/** utime + stime of a local process in ms, from /proc; undefined when it is not readable (not Linux, not local). */
export function processCpuMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / ticksPerSecond;
  } catch {
    return undefined;
  }
}

/**
 * Measures the CPU a run costs, which on a small shared machine says more than wall time: the
 * wall time moves with whatever else runs, the CPU per job much less. The server's share is read
 * from /proc for the backends connected to the run's database, so it is only available when
 * PostgreSQL runs on this host; a backend that connects and disconnects within the run is missed.
 */
export class CpuMeter {
  readonly #client: pg.Client;
  readonly #node: NodeJS.CpuUsage;
  readonly #backends: Map<number, number>;
  readonly #walLsn: string;

  private constructor(client: pg.Client, node: NodeJS.CpuUsage, backends: Map<number, number>, walLsn: string) {
    this.#client = client;
    this.#node = node;
    this.#backends = backends;
    this.#walLsn = walLsn;
  }

  static async start(url: string): Promise<CpuMeter> {
    const client = new pg.Client({ connectionString: url, application_name: 'pipectl-bench-meter' });
    client.on('error', () => {}); // a dropped connection fails the next query, which reports it
    await client.connect();
    const backends = await CpuMeter.#sample(client);
    const { rows } = await client.query<{ lsn: string }>('select pg_current_wal_lsn()::text as lsn');
    return new CpuMeter(client, process.cpuUsage(), backends ?? new Map(), rows[0]?.lsn ?? '0/0');
  }

  static async #sample(client: pg.Client): Promise<Map<number, number> | undefined> {
    const { rows } = await client.query<{ pid: number }>(
      'select pid from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()',
    );
    const sample = new Map<number, number>();
    for (const { pid } of rows) {
      const ms = processCpuMs(pid);
      if (ms === undefined) return undefined;
      sample.set(pid, ms);
    }
    return sample;
  }

  /** CPU used since start(); postgresMs is NaN when the backends could not be read. */
  async read(): Promise<CpuUsage> {
    const node = process.cpuUsage(this.#node);
    const now = await CpuMeter.#sample(this.#client);
    let postgresMs = Number.NaN;
    if (now) {
      postgresMs = 0;
      for (const [pid, ms] of now) postgresMs += ms - (this.#backends.get(pid) ?? 0);
    }
    const { rows } = await this.#client.query<{ bytes: string }>(
      'select pg_wal_lsn_diff(pg_current_wal_lsn(), $1::pg_lsn)::bigint::text as bytes',
      [this.#walLsn],
    );
    return { nodeMs: (node.user + node.system) / 1000, postgresMs, walBytes: Number(rows[0]?.bytes ?? Number.NaN) };
  }

  async close(): Promise<void> {
    await this.#client.end().catch(() => {});
  }
}

/** Runs `fn`, timing it from the call to its resolution, and measures the CPU it cost. */
export async function measure<T>(url: string, fn: () => Promise<T>): Promise<{ value: T; ms: number; cpu: CpuUsage }> {
  const meter = await CpuMeter.start(url);
  try {
    const started = performance.now();
    const value = await fn();
    const ms = performance.now() - started;
    return { value, ms, cpu: await meter.read() };
  } finally {
    await meter.close();
  }
}
