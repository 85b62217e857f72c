import { type Kysely, sql } from 'kysely';
import { prepared } from '../../db/prepared.js';
import { retryConflict } from '../../db/retry-conflict.js';
import type { Database } from '../../db/schema.js';

/**
 * Extends the leases of the jobs this worker is running, in one statement. Returns the ids it
 * still holds: a job missing from the result was rescued by another worker after this one
 * failed to heartbeat in time, and its run must be abandoned. The update is HOT (migration 0013:
 * `lease_expires_at` is in no index of `jobs_live`).
 *
 * It never waits for a row lock: a row locked by another transaction is left as it is this
 * time and still counted as held if it is. Most often the lock is this worker's own completion,
 * which locks the finished job and the buffered job taking its slot, in that statement's order;
 * a heartbeat locking the same two rows in id order deadlocked with it, and PostgreSQL then
 * rolled back one of them, sometimes the completion with its handler's writes. A job whose
 * completion commits needs no lease; one whose completion rolls back is extended by the next
 * heartbeat, well inside the lease (heartbeats come at least three times per lease).
 */
export async function extendLeases(
  db: Kysely<Database>,
  workerId: string,
  jobIds: string[],
  leaseSeconds: number,
): Promise<Set<string>> {
  if (jobIds.length === 0) return new Set();
  const extend = prepared(
    'extend_leases',
    sql<{ job_id: string }>`
      with held as (
        select job_id from jobs_live
        where job_id = any(${jobIds}::uuid[]) and status = 'running' and locked_by = ${workerId}
      ), extended as (
        update jobs_live set lease_expires_at = now() + make_interval(secs => ${leaseSeconds})
        where job_id in (
          select job_id from jobs_live
          where job_id = any(${jobIds}::uuid[]) and status = 'running' and locked_by = ${workerId}
          for update skip locked
        )
      )
      select job_id from held
    `,
  );
  const { rows } = await retryConflict(() => extend.execute(db));
  return new Set(rows.map((r) => r.job_id));
}
