import { type Kysely, sql } from 'kysely';
import { retryConflict } from '../../db/retry-conflict.js';
import type { Database } from '../../db/schema.js';

/**
 * Hands jobs back to the queue at shutdown, as `pending` and runnable now. The run was cut short
 * by the operator, not by the job, so the attempt it consumed is given back. Guarded on
 * `locked_by`. Returns how many were released.
 */
export async function releaseJobs(
  db: Kysely<Database>,
  workerId: string,
  jobIds: string[],
  reason: string,
): Promise<number> {
  if (jobIds.length === 0) return 0;
  const release = sql<{ job_id: string }>`
    with released as (
      update jobs_live set status = 'pending', attempts = greatest(attempts - 1, 0), run_at = now(),
                      locked_by = null, lease_expires_at = null, updated_at = now()
      where job_id = any(${jobIds}::uuid[]) and status = 'running' and locked_by = ${workerId}
      returning job_id, attempts
    ), events as (
      insert into job_events (job_id, from_status, to_status, worker_id, attempt, message)
      select job_id, 'running', 'pending', ${workerId}, attempts, ${reason} from released
    )
    select job_id from released
  `;
  const { rows } = await retryConflict(() => release.execute(db));
  return rows.length;
}
