import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/schema.js';
import { liveWorkerWindowSeconds } from './worker-liveness.js';

/** One worker as the status page shows it. */
export interface WorkerRow {
  workerId: string;
  hostname: string;
  version: string;
  startedAt: Date;
  heartbeatAt: Date;
  stoppedAt: Date | null;
  /** Seconds since its last heartbeat, on the database's clock. */
  heartbeatAgeSeconds: number;
  /** `live` (heartbeat within the no-live-worker window), `stopped`, or `silent` (no heartbeat, never stopped). */
  state: 'live' | 'stopped' | 'silent';
}

/**
 * The workers that heartbeated within `withinSeconds` or never said they stopped, newest
 * heartbeat first, at most `limit`.
 *
 * SQL: workers by workers_heartbeat_at_idx, plus those with stopped_at null (a small table:
 * one row per worker process ever started, until pruned).
 */
export async function listWorkers(db: Kysely<Database>, withinSeconds: number, limit = 50): Promise<WorkerRow[]> {
  const { rows } = await sql<Omit<WorkerRow, 'state'>>`
    select worker_id as "workerId", hostname, version, started_at as "startedAt", heartbeat_at as "heartbeatAt",
           stopped_at as "stoppedAt", extract(epoch from now() - heartbeat_at)::float8 as "heartbeatAgeSeconds"
      from workers
     where stopped_at is null or heartbeat_at > now() - make_interval(secs => ${withinSeconds})
     order by heartbeat_at desc
     limit ${limit}
  `.execute(db);
  return rows.map((r) => ({
    ...r,
    startedAt: new Date(r.startedAt),
    heartbeatAt: new Date(r.heartbeatAt),
    stoppedAt: r.stoppedAt === null ? null : new Date(r.stoppedAt),
    state: r.stoppedAt !== null ? 'stopped' : r.heartbeatAgeSeconds <= liveWorkerWindowSeconds ? 'live' : 'silent',
  }));
}
