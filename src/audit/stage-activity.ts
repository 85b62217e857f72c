import { type Kysely, type RawBuilder, sql } from 'kysely';
import type { Database, UserJobType } from '../db/schema.js';
import { type AuditStage, stageOfJobType } from './audit-stage.js';

/** The pipeline's three job stages, in order: the audits' steps after intake. */
export type Stage = Exclude<AuditStage, 'intake'>;
export const stages: readonly Stage[] = Object.values(stageOfJobType);

/** One UTC day: which stages had work outstanding, and which produced anything. */
export interface StageDay {
  day: string;
  waiting: Record<Stage, boolean>;
  produced: Record<Stage, boolean>;
}

const jobTypes = Object.fromEntries(Object.entries(stageOfJobType).map(([type, stage]) => [stage, type])) as Record<
  Stage,
  UserJobType
>;
const outputs: Record<Stage, string> = { WF4: 'sitemap_files', WF5: 'pages', WF7: 'contacts' };

/**
 * For every UTC day that the window touches, whether each stage had work outstanding and
 * whether it produced anything, reconstructed from timestamps rather than today's statuses.
 *
 * A stage's work was outstanding on a day when one of its jobs was alive at some moment of it:
 * created or finished that day, still pending or running now and created by the day's end, or
 * alive across the whole day (created before, finished after: jobs_long_lived_idx). WF4 work is
 * also outstanding on the day a domain arrives, and every day since a domain that still waits
 * in queued, submitted or processing entered that status. A queued period that ended before
 * any sitemap job existed is not reconstructed: no timestamp records it.
 *
 * A stage produced something on a day when it created an output row (sitemap file, page,
 * contact) or completed one of its jobs: a contact scan of pages without contacts is output too.
 *
 * Every test is an `exists` probe of an index, so the cost grows with the number of days, not
 * with the number of jobs.
 */
export async function readStageActivity(db: Kysely<Database>, since: Date, until: Date): Promise<StageDay[]> {
  const columns = stages.flatMap((s) => [
    sql`${waitingSql(s)} as ${sql.ref(`waiting_${s}`)}`,
    sql`${producedSql(s)} as ${sql.ref(`produced_${s}`)}`,
  ]);
  const { rows } = await sql<Record<string, string | boolean>>`
    with days as (
      select d, d + interval '1 day' as e
        from generate_series(date_trunc('day', ${since}::timestamptz at time zone 'UTC') at time zone 'UTC',
                             ${until}::timestamptz - interval '1 microsecond', interval '1 day') as d
    ), live as (
      select job_type, min(created_at) as first from jobs where status in ('pending', 'running') group by job_type
    ), waiting_domains as (
      select min(updated_at) as first from domains where sitemap_analysis_status in ('queued', 'submitted', 'processing')
    )
    select to_char(d at time zone 'UTC', 'YYYY-MM-DD') as day, ${sql.join(columns)}
      from days
     order by d
  `.execute(db);
  return rows.map((r) => ({
    day: String(r.day),
    waiting: Object.fromEntries(stages.map((s) => [s, r[`waiting_${s}`] === true])) as Record<Stage, boolean>,
    produced: Object.fromEntries(stages.map((s) => [s, r[`produced_${s}`] === true])) as Record<Stage, boolean>,
  }));
}

function waitingSql(stage: Stage): RawBuilder<boolean> {
  const type = jobTypes[stage];
  // The interval is a literal so that the planner matches jobs_long_lived_idx's predicate.
  const jobs = sql`(
       exists (select 1 from jobs where job_type = ${type} and created_at >= d and created_at < e)
    or exists (select 1 from jobs where job_type = ${type} and finished_at >= d and finished_at < e)
    or coalesce((select first from live where job_type = ${type}) < e, false)
    or exists (select 1 from jobs where job_type = ${type} and finished_at >= e and created_at < d
                 and finished_at is not null and finished_at - created_at > interval '1 day')
  )`;
  if (stage !== 'WF4') return sql<boolean>`${jobs}`;
  return sql<boolean>`(${jobs}
    or exists (select 1 from domains where created_at >= d and created_at < e)
    or coalesce((select first from waiting_domains) < e, false))`;
}

function producedSql(stage: Stage): RawBuilder<boolean> {
  return sql<boolean>`(
       exists (select 1 from ${sql.table(outputs[stage])} where created_at >= d and created_at < e)
    or exists (select 1 from jobs where job_type = ${jobTypes[stage]} and finished_at >= d and finished_at < e
                 and status = 'complete')
  )`;
}
