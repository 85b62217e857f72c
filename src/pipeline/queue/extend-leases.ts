import { type Kysely, sql } from 'kysely';
import { retryMovedRow } from '../../db/moved-row.js';
import { prepared } from '../../db/prepared.js';
import type { Database } from '../../db/schema.js';

/**
 * Extends the leases of the jobs this worker is running, in one statement. Returns the ids it
 * still holds: a job missing from the result was rescued by another worker after this one
 * failed to heartbeat in time, and its run must be abandoned. The update is HOT (migration 0013:
 * `lease_expires_at` is in no index of `jobs_live`).
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
      update jobs_live set lease_expires_at = now() + make_interval(secs => ${leaseSeconds})
      where job_id = any(${jobIds}::uuid[]) and status = 'running' and locked_by = ${workerId}
      returning job_id
    `,
  );
  const { rows } = await retryMovedRow(() => extend.execute(db));
  return new Set(rows.map((r) => r.job_id));
}
