import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Kysely, sql } from 'kysely';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { pgPoolStats } from '../../db/pg-pool.js';
import type { Database, JobType } from '../../db/schema.js';
import { coerceError } from '../../errors.js';
import { readQueueDepth } from '../queue/read-queue-depth.js';
import type { WorkerEvent } from './worker.js';

export interface MetricsServer {
  /** Feed the worker's events here. */
  onEvent(event: WorkerEvent): void;
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Serves Prometheus metrics for one worker on `/metrics`, and `/healthz` (503 when the worker
 * cannot reach the database). Queue depth and the oldest pending job's age are read from the
 * database at scrape time, so they are true for the whole fleet, not just this worker.
 *
 * Liveness: prom-client's default collectors (event-loop delay `nodejs_eventloop_lag_*`, process
 * CPU `process_cpu_*_seconds_total`, memory `process_resident_memory_bytes`), the pool's
 * waiting queries, and the start-up time. Every series of the stages this worker runs is
 * present from registration, at 0 while idle, so that a rate or an alert never sees it vanish.
 */
export async function startMetricsServer(
  db: Kysely<Database>,
  opts: { port: number; host: string },
): Promise<MetricsServer> {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 10 });
  const labelNames = ['stage'] as const;
  const claimed = new Counter({
    name: 'pipectl_jobs_claimed_total',
    help: 'Jobs claimed by this worker.',
    labelNames,
    registers: [registry],
  });
  const completed = new Counter({
    name: 'pipectl_jobs_completed_total',
    help: 'Jobs completed by this worker.',
    labelNames,
    registers: [registry],
  });
  const failed = new Counter({
    name: 'pipectl_jobs_failed_total',
    help: 'Job runs that failed; final="true" when the job will not be retried.',
    labelNames: ['stage', 'final'],
    registers: [registry],
  });
  const rescued = new Counter({
    name: 'pipectl_jobs_rescued_total',
    help: 'Expired leases rescued by this worker.',
    labelNames,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'pipectl_job_duration_seconds',
    help: 'Time from a job starting to its completion or failure.',
    labelNames: ['stage', 'outcome'],
    buckets: [0.01, 0.05, 0.1, 0.5, 1, 2, 5, 10, 30, 60, 300],
    registers: [registry],
  });
  let lastHeartbeat = Date.now();
  new Gauge({
    name: 'pipectl_worker_heartbeat_age_seconds',
    help: "Seconds since this worker's last successful heartbeat.",
    registers: [registry],
    collect() {
      this.set((Date.now() - lastHeartbeat) / 1000);
    },
  });
  let startupSeconds: number | undefined;
  new Gauge({
    name: 'pipectl_worker_startup_seconds',
    help: 'Seconds from the process start to the worker registering in the database.',
    registers: [registry],
    collect() {
      if (startupSeconds !== undefined) this.set(startupSeconds);
    },
  });
  new Gauge({
    name: 'pipectl_db_pool_connections',
    help: "Connections of this process's database pool by state (total, idle), and queries waiting for one (waiting).",
    labelNames: ['state'],
    registers: [registry],
    collect() {
      const p = pgPoolStats();
      this.set({ state: 'total' }, p.total);
      this.set({ state: 'idle' }, p.idle);
      this.set({ state: 'waiting' }, p.waiting);
    },
  });
  const depth = new Gauge({
    name: 'pipectl_queue_depth',
    help: 'Jobs by stage and status (pending, running).',
    labelNames: ['stage', 'status'],
    registers: [registry],
  });
  const oldest = new Gauge({
    name: 'pipectl_oldest_pending_age_seconds',
    help: 'Age of the oldest runnable pending job per stage.',
    labelNames,
    registers: [registry],
  });

  let stages: JobType[] = [];
  /** Zero samples for every stage this worker runs, so that idle series exist. */
  const seedStages = (list: JobType[]) => {
    stages = list;
    for (const stage of list) {
      claimed.inc({ stage }, 0);
      completed.inc({ stage }, 0);
      rescued.inc({ stage }, 0);
      failed.inc({ stage, final: 'true' }, 0);
      failed.inc({ stage, final: 'false' }, 0);
    }
  };

  const readQueue = async () => {
    const rows = await readQueueDepth(db);
    depth.reset();
    oldest.reset();
    for (const stage of stages) {
      depth.set({ stage, status: 'pending' }, 0);
      depth.set({ stage, status: 'running' }, 0);
      oldest.set({ stage }, 0);
    }
    for (const r of rows) {
      depth.set({ stage: r.jobType, status: r.status }, r.count);
      if (r.status === 'pending') oldest.set({ stage: r.jobType }, r.oldestSeconds ?? 0);
    }
  };

  const server = http.createServer(async (req, res) => {
    try {
      if (req.url === '/metrics') {
        await readQueue().catch(() => {});
        res.writeHead(200, { 'content-type': registry.contentType });
        res.end(await registry.metrics());
      } else if (req.url === '/healthz') {
        await Promise.race([
          sql`select 1`.execute(db),
          new Promise((_, reject) => setTimeout(() => reject(new Error('database did not answer in 2s')), 2000)),
        ]);
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('ok\n');
      } else {
        res.writeHead(404, { 'content-type': 'text/plain' });
        res.end('not found: try /metrics or /healthz\n');
      }
    } catch (err) {
      res.writeHead(503, { 'content-type': 'text/plain' });
      res.end(`unhealthy: cannot reach the database (${coerceError(err).message})\n`);
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, resolve);
  });

  return {
    port: (server.address() as AddressInfo).port,
    onEvent(e) {
      if (e.type === 'claimed') claimed.inc({ stage: e.jobType }, e.count);
      else if (e.type === 'completed') {
        completed.inc({ stage: e.jobType });
        duration.observe({ stage: e.jobType, outcome: 'completed' }, e.durationMs / 1000);
      } else if (e.type === 'failed') {
        failed.inc({ stage: e.jobType, final: String(e.final) });
        duration.observe({ stage: e.jobType, outcome: 'failed' }, e.durationMs / 1000);
      } else if (e.type === 'rescued') rescued.inc({ stage: e.jobType }, e.count);
      else if (e.type === 'heartbeat' && e.ok) lastHeartbeat = Date.now();
      else if (e.type === 'registered') {
        startupSeconds = e.startupSeconds;
        seedStages(e.stages);
      }
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
