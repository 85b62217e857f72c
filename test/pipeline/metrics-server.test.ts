import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/schema.js';
import { startMetricsServer } from '../../src/pipeline/worker/metrics-server.js';
import { backends, useTestDatabase } from '../helpers/databases.js';
import { insertNoopJobs } from '../helpers/jobs.js';
import { emptyTables } from '../helpers/rows.js';

describe('the metrics server', () => {
  it('answers /healthz with 503 and the reason when the database is unreachable', async () => {
    const db = new Kysely<Database>({
      dialect: new PostgresDialect({
        pool: new pg.Pool({ connectionString: 'postgres://postgres@127.0.0.1:1/x', connectionTimeoutMillis: 500 }),
      }),
    });
    const server = await startMetricsServer(db, { port: 0, host: '127.0.0.1' });
    try {
      const res = await fetch(`http://127.0.0.1:${server.port}/healthz`);
      expect(res.status).toBe(503);
      expect(await res.text()).toContain('cannot reach the database');
      const metrics = await fetch(`http://127.0.0.1:${server.port}/metrics`);
      expect(metrics.status).toBe(200);
      expect(await metrics.text()).toContain('pipectl_worker_heartbeat_age_seconds');
    } finally {
      await server.close();
      await db.destroy();
    }
  });
});

describe.each(backends)('the metrics server on $name', ({ name, skip }) => {
  describe.skipIf(skip)(name, () => {
    const t = useTestDatabase(name);

    it('shows liveness (event-loop delay, CPU, memory, pool, start-up) and a zero for every idle stage', async () => {
      await emptyTables(t.db);
      await insertNoopJobs(t.db, 2);
      const server = await startMetricsServer(t.db, { port: 0, host: '127.0.0.1' });
      try {
        server.onEvent({ type: 'registered', stages: ['sitemap', 'page_import', 'noop'], startupSeconds: 1.25 });
        const metrics = await (await fetch(`http://127.0.0.1:${server.port}/metrics`)).text();
        for (const series of [
          /^nodejs_eventloop_lag_p99_seconds \d/m,
          /^process_cpu_seconds_total \d/m,
          /^process_resident_memory_bytes \d/m,
          /^pipectl_db_pool_connections\{state="waiting"\} \d+$/m,
          /^pipectl_worker_startup_seconds 1\.25$/m,
          // Stages with nothing to do still have their series, at 0.
          /^pipectl_jobs_completed_total\{stage="page_import"\} 0$/m,
          /^pipectl_jobs_claimed_total\{stage="sitemap"\} 0$/m,
          /^pipectl_jobs_failed_total\{stage="sitemap",final="true"\} 0$/m,
          /^pipectl_jobs_rescued_total\{stage="page_import"\} 0$/m,
          /^pipectl_queue_depth\{stage="sitemap",status="pending"\} 0$/m,
          /^pipectl_queue_depth\{stage="page_import",status="running"\} 0$/m,
          /^pipectl_oldest_pending_age_seconds\{stage="sitemap"\} 0$/m,
          // And a stage with work shows it.
          /^pipectl_queue_depth\{stage="noop",status="pending"\} 2$/m,
        ]) {
          expect(metrics).toMatch(series);
        }
      } finally {
        await server.close();
      }
    });
  });
});
