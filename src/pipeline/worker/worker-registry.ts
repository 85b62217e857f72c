import os from 'node:os';
import { type Kysely, sql } from 'kysely';
import type { Database } from '../../db/schema.js';

/** Records a worker in `workers`: its heartbeat is what `no-live-worker` watches. */
export async function registerWorker(db: Kysely<Database>, w: { workerId: string; version: string }): Promise<void> {
  await db
    .insertInto('workers')
    .values({ worker_id: w.workerId, hostname: os.hostname(), pid: process.pid, version: w.version })
    .onConflict((oc) => oc.column('worker_id').doUpdateSet({ heartbeat_at: sql`now()`, stopped_at: null }))
    .execute();
}

/** The worker is alive. */
export async function touchWorker(db: Kysely<Database>, workerId: string): Promise<void> {
  await db.updateTable('workers').set({ heartbeat_at: sql`now()` }).where('worker_id', '=', workerId).execute();
}

/** The worker stopped cleanly. */
export async function stopWorker(db: Kysely<Database>, workerId: string): Promise<void> {
  await db.updateTable('workers').set({ stopped_at: sql`now()` }).where('worker_id', '=', workerId).execute();
}
