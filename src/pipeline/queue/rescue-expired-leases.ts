import { type Kysely, sql } from 'kysely';
import { retryConflict } from '../../db/retry-conflict.js';
import type { Database } from '../../db/schema.js';
import { type BackoffOptions, defaultBackoff } from './backoff.js';

export interface RescuedJob {
  job_id: string;
  job_type: string;
  status: 'pending' | 'failed';
  previous_worker: string | null;
}

/**
 * Returns to `pending` the running jobs whose lease has expired: their worker died or lost the
 * database. Every worker runs this on every poll, so no single process is the one that must not
 * be disabled. The attempt the dead run consumed (at claim) stays consumed; a job out of
 * attempts is `failed` instead (and a sitemap job's domain set to `error`). A job that was never
 * started (`started_at` null: it sat in the dead worker's claim buffer) gets its attempt back and
 * keeps its last error: no job loses an attempt it did not run, and it is runnable at once.
 *
 * A job that did run is retried at once after its first run's worker died (one death is most
 * often the worker's: an OOM elsewhere, a deploy; and `--until-idle` does not wait for a retry
 * scheduled later), and from its second run on after `backoff`, as a failed run is
 * (`backoffDelay` of its attempts, jittered; pg-boss backs off expired jobs too). Without it, a
 * crash loop (every worker dying within seconds, a bad deploy) hands the same jobs from one
 * dying worker to the next and uses up their attempts in under a minute: the reliability
 * suite's crash loop failed 5 jobs that way once workers started fast. With the default
 * backoff (10 s), a job gets at most four runs in such a minute. The update is
 * guarded on the old `locked_by`, so two rescuers cannot both act on one job, and a worker that
 * later tries to complete it finds it no longer holds it.
 *
 * Reads `jobs_live` only, without an index: an index on the lease would make every claim and
 * lease extension a non-HOT update (migration 0013), and this runs once per poll interval over
 * live jobs only. A job failed here moves to `jobs_done`; a concurrent move fails the statement
 * with 40001, and it is run again (`retryConflict`).
 */
export async function rescueExpiredLeases(
  db: Kysely<Database>,
  rescuerId: string,
  backoff: BackoffOptions = defaultBackoff,
  limit = 1000,
): Promise<RescuedJob[]> {
  const rescue = sql<RescuedJob>`
    with expired as materialized (
      select job_id, locked_by from jobs_live
      where status = 'running' and lease_expires_at < now()
      order by lease_expires_at
      limit ${limit}
      for update skip locked
    ), rescued as (
      update jobs j set
        status = case when j.started_at is not null and j.attempts >= j.max_attempts then 'failed' else 'pending' end,
        finished_at = case when j.started_at is not null and j.attempts >= j.max_attempts then now() end,
        attempts = case when j.started_at is null then greatest(j.attempts - 1, 0) else j.attempts end,
        -- backoffDelay(attempts, { ...backoff, jitter: true }) in SQL: the upper half, at random.
        run_at = case when j.started_at is null or j.attempts < 2 then now()
          else now() + make_interval(secs => least(${backoff.maxMs}::float8,
            ${backoff.baseMs}::float8 * 2 ^ least(greatest(j.attempts - 1, 0), 60)) * (0.5 + random() / 2) / 1000) end,
        last_error = case when j.started_at is null then j.last_error
          else 'lease expired: worker ' || coalesce(e.locked_by, '?') || ' stopped heartbeating' end,
        locked_by = null, lease_expires_at = null, updated_at = now()
      from expired e
      where j.job_id = e.job_id and j.status = 'running' and j.locked_by is not distinct from e.locked_by
      returning j.job_id, j.job_type, j.domain_id, j.status, j.attempts, e.locked_by as previous_worker,
        'lease expired: worker ' || coalesce(e.locked_by, '?') || ' stopped heartbeating'
          || case when j.started_at is null then ' before starting it; attempt given back' else '' end as message
    ), events as (
      insert into job_events (job_id, from_status, to_status, worker_id, attempt, message)
      select job_id, 'running', status, ${rescuerId}, attempts, message from rescued
    ), domains_failed as (
      update domains d set sitemap_analysis_status = 'error', sitemap_analysis_error = rescued.message
      from rescued
      where rescued.status = 'failed' and rescued.job_type = 'sitemap' and d.id = rescued.domain_id
    )
    select job_id, job_type, status, previous_worker from rescued
  `;
  const { rows } = await retryConflict(() => rescue.execute(db));
  return rows;
}
