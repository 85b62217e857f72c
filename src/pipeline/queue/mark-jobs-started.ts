import { type Kysely, sql } from 'kysely';
import { prepared } from '../../db/prepared.js';
import { retryConflict } from '../../db/retry-conflict.js';
import type { Database } from '../../db/schema.js';

/**
 * Records that this worker is starting jobs it claimed into its buffer, before their handlers
 * run: from now on a rescue keeps the attempt their claim used (see `rescueExpiredLeases`).
 * Guarded on `locked_by`; returns the ids it marked, so a job rescued meanwhile is not started.
 * Most buffered jobs are marked inside the completion of the job whose slot they take
 * (`completeJob`'s `startIds`), at no extra round trip; this is for the rest.
 */
export async function markJobsStarted(db: Kysely<Database>, workerId: string, jobIds: string[]): Promise<Set<string>> {
  if (jobIds.length === 0) return new Set();
  const mark = prepared(
    'mark_jobs_started',
    sql<{ job_id: string }>`
      update jobs_live set started_at = now()
      where job_id = any(${jobIds}::uuid[]) and status = 'running' and locked_by = ${workerId}
      returning job_id
    `,
  );
  const { rows } = await retryConflict(() => mark.execute(db));
  return new Set(rows.map((r) => r.job_id));
}
