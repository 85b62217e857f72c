import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/schema.js';
import { startMetricsServer } from '../../src/pipeline/worker/metrics-server.js';

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
