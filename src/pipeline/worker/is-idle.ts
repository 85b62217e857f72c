import { type Kysely, sql } from 'kysely';
import type { Database, JobType } from '../../db/schema.js';

/** Untried pending jobs of one type scheduled later: how many, and when the first is due. */
export interface ScheduledJobs {
  jobType: JobType;
  count: number;
  nextDueAt: Date;
}

/** What `--until-idle` found when nothing was runnable at once. */
export interface IdleState {
  /** Nothing left to wait for: exit. */
  idle: boolean;
  /** Untried jobs due within the horizon: the worker waits for them (empty when idle). */
  waitingFor: ScheduledJobs[];
  /** Untried jobs due beyond the horizon: not waited for; the worker leaves them pending. */
  beyondHorizon: ScheduledJobs[];
}

/** Default `--idle-horizon`: far longer than any gap WF5 leaves between a site's contact scans. */
export const defaultIdleHorizonMs = 5 * 60_000;
const maxHorizonMs = 1000 * 365 * 86_400_000;

/**
 * Whether there is anything left for `--until-idle` to wait for: a pending job of these types
 * that is runnable now, a running one (it may still enqueue more), a queued domain (every worker
 * takes domains in), or a pending job never tried that is due within `horizonMs` (WF5 schedules
 * a site's contact scans a few seconds apart). Retries scheduled for later do not count, and
 * neither does an untried job due beyond the horizon: a row scheduled in 100 years by plain SQL
 * or clock skew must not keep a batch run alive for ever.
 *
 * SQL: one `exists` probe; only when it finds nothing runnable, one grouped count of the
 * untried pending jobs. The count does not require `run_at > now()`: its `now()` is later than
 * the probe's, and a job that fell due in between (a worker woken at a job's due time wins this
 * race often) must count as waited for, not be left behind as if the worker were idle.
 */
export async function idleState(db: Kysely<Database>, jobTypes: JobType[], horizonMs: number): Promise<IdleState> {
  // now() + a horizon past PostgreSQL's timestamp range would fail every poll: 1,000 years is "for ever".
  const horizon = Math.min(horizonMs, maxHorizonMs);
  const { rows: busy } = await sql<{ busy: boolean }>`
    select exists (
      select 1 from jobs
      where status in ('pending', 'running') and job_type = any(${jobTypes}::text[])
        and (status = 'running' or run_at <= now())
    ) or exists (select 1 from domains where sitemap_analysis_status = 'queued') as busy
  `.execute(db);
  if (busy[0]?.busy !== false) return { idle: false, waitingFor: [], beyondHorizon: [] };
  const { rows } = await sql<{ job_type: JobType; within: boolean; count: number; next_due_at: Date }>`
    select job_type, run_at <= now() + ${horizon} * interval '1 millisecond' as within,
      count(*)::int as count, min(run_at) as next_due_at
    from jobs
    where status = 'pending' and attempts = 0 and job_type = any(${jobTypes}::text[])
    group by 1, 2
    order by 4
  `.execute(db);
  const pick = (within: boolean) =>
    rows
      .filter((r) => r.within === within)
      .map((r) => ({ jobType: r.job_type, count: r.count, nextDueAt: new Date(r.next_due_at) }));
  const waitingFor = pick(true);
  return { idle: waitingFor.length === 0, waitingFor, beyondHorizon: pick(false) };
}
