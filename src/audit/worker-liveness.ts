import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/schema.js';

/** A worker is alive if it heartbeated this recently (the same window as the no-live-worker check). */
export const liveWorkerWindowSeconds = 120;

export interface WorkerLiveness {
  /** Workers that heartbeated within the window and have not stopped. */
  live: number;
  /** The newest heartbeat of any worker, stopped or not; null if no worker ever ran. */
  lastHeartbeat: Date | null;
}

/** Whether any worker is running. Uses workers_heartbeat_at_idx. */
export async function workerLiveness(db: Kysely<Database>): Promise<WorkerLiveness> {
  const { rows } = await sql<WorkerLiveness>`
    select
      (select count(*)::int from workers
        where stopped_at is null and heartbeat_at > now() - make_interval(secs => ${liveWorkerWindowSeconds})) as live,
      (select max(heartbeat_at) from workers) as "lastHeartbeat"
  `.execute(db);
  return rows[0] ?? { live: 0, lastHeartbeat: null };
}
