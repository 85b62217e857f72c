import { sql, type Transaction } from 'kysely';
import type { Database, JobType } from '../../db/schema.js';

/** A job to create; its typed input reference must match its type (see the jobs_input_present constraint). */
export interface JobSpec {
  jobType: JobType;
  domainId?: number | null;
  sitemapFileId?: number | null;
  pageId?: number | null;
  payload?: Record<string, unknown>;
  priority?: number;
  maxAttempts?: number;
  runAt?: Date;
  /** Added to `runAt` (default: now, by the database's clock), in ms. */
  runAfterMs?: number;
}

/** The channel workers LISTEN on; a notification only wakes them, the poll is the source of truth. */
export const jobsChannel = 'pipectl_jobs';

/**
 * Creates jobs inside the caller's transaction, so that a job exists if and only if the state
 * change that implies it commits. A job whose input already has a live (pending or running) job
 * is skipped: the unique index `jobs_one_active_per_input` on `jobs_live` guarantees at most one
 * (the only other unique index, on job_id, cannot conflict with a new id).
 * Sends a NOTIFY that is delivered at commit. Returns the number of jobs created.
 *
 * SQL: one `insert … select from unnest(…) on conflict do nothing` for the whole batch, with a
 * `job_events` row (null → pending) for each job created.
 */
export async function enqueueJobs(trx: Transaction<Database>, specs: JobSpec[]): Promise<number> {
  if (specs.length === 0) return 0;
  const col = <T>(pick: (s: JobSpec) => T) => specs.map(pick);
  const { rows } = await sql<{ created: number }>`
    with created as (
    insert into jobs_live (job_type, domain_id, sitemap_file_id, page_id, payload, priority, max_attempts, run_at)
    select t.job_type, t.domain_id, t.sitemap_file_id, t.page_id, t.payload, t.priority, t.max_attempts,
      coalesce(t.run_at, now()) + t.run_after_ms * interval '1 millisecond'
    from unnest(
      ${col((s) => s.jobType)}::text[],
      ${col((s) => s.domainId ?? null)}::bigint[],
      ${col((s) => s.sitemapFileId ?? null)}::bigint[],
      ${col((s) => s.pageId ?? null)}::bigint[],
      ${col((s) => JSON.stringify(s.payload ?? {}))}::jsonb[],
      ${col((s) => s.priority ?? 0)}::int[],
      ${col((s) => s.maxAttempts ?? 5)}::int[],
      ${col((s) => s.runAt?.toISOString() ?? null)}::timestamptz[],
      ${col((s) => s.runAfterMs ?? 0)}::float8[]
    ) as t(job_type, domain_id, sitemap_file_id, page_id, payload, priority, max_attempts, run_at, run_after_ms)
    on conflict do nothing
    returning job_id
    ), events as (
      insert into job_events (job_id, from_status, to_status)
      select job_id, null, 'pending' from created
    )
    select count(*)::int as created from created
  `.execute(trx);
  const created = rows[0]?.created ?? 0;
  if (created > 0) await sql`select pg_notify(${jobsChannel}, ${specs[0]?.jobType ?? ''})`.execute(trx);
  return created;
}
