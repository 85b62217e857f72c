import { type Kysely, type RawBuilder, sql } from 'kysely';
import { type Database, userJobTypes } from '../db/schema.js';
import { findStuckWork, type StuckGroup } from './find-stuck-work.js';
import { readStageActivity } from './stage-activity.js';
import { summarizeStreaks, type ZeroStreak, zeroOutputStreaks } from './zero-output-streaks.js';

export type { ZeroStreak } from './zero-output-streaks.js';

/** What came in and out of the pipeline over some time: the counts a day has and the window sums. */
export interface ImpactFlows {
  domainsSubmitted: number;
  sitemapJobsCreated: number;
  sitemapJobsCompleted: number;
  sitemapJobsFailed: number;
  sitemapFiles: number;
  pages: number;
  contacts: number;
}

/** One UTC day of the pipeline's input and output, and the work still waiting at its end. */
export interface ImpactDay extends ImpactFlows {
  day: string;
  /**
   * Jobs (every stage) pending or running at the day's end (the window's end for its last day),
   * reconstructed from timestamps: the jobs live now, less those created since, plus those
   * finished since. Jobs pruned since are not counted.
   */
  waitingJobs: number;
  /** Domains queued and not taken in at the day's end: those still queued now that were queued by then. */
  queuedDomains: number;
}

export interface Impact {
  since: string;
  until: string;
  days: ImpactDay[];
  totals: ImpactFlows;
  /** The report's one-line answer: the longest zero-output streak, or that there was none. */
  summary: string;
  /** Each stage's longest zero-output streak while work waited for it. */
  streaks: ZeroStreak[];
  stuck: StuckGroup[];
}

/**
 * The incident report's impact assessment, computed: per-day counts of domains submitted
 * (sitemap jobs created), sitemap jobs completed and failed, sitemap files, pages and contacts
 * created; the work waiting at each day's end (the backlog line of the HTML chart); each stage's longest zero-output streak while work waited for it (see
 * readStageActivity); and what is still stuck. Days are UTC. Each count is a range scan of a
 * created_at / finished_at index.
 */
export async function assessImpact(db: Kysely<Database>, since: Date, until: Date): Promise<Impact> {
  // One index range count per day rather than one grouped scan (no per-row date_trunc, no
  // hashing; each count is an index-only scan), and the five series as separate queries that
  // run side by side on a server pool (PGlite runs them one after another). Measured with
  // bench/audit-at-scale: 69 days of 10M jobs and 5M pages, 3.5 s as one grouped query.
  const series = (count: RawBuilder<unknown>) => dailyCounts(db, since, until, count);
  const [created, finished, files, pages, contacts, activity, across, queued, liveByDay, live] = await Promise.all([
    series(
      sql`select count(*)::int as n from jobs where job_type = 'sitemap' and created_at >= lo and created_at < hi`,
    ),
    series(sql`select count(*) filter (where status = 'complete')::int as completed,
                      count(*) filter (where status = 'failed')::int as failed
                 from jobs where job_type = 'sitemap' and finished_at >= lo and finished_at < hi`),
    series(sql`select count(*)::int as n from sitemap_files where created_at >= lo and created_at < hi`),
    series(sql`select count(*)::int as n from pages where created_at >= lo and created_at < hi`),
    series(sql`select count(*)::int as n from contacts where created_at >= lo and created_at < hi`),
    readStageActivity(db, since, until),
    // The backlog: finished jobs alive across a midnight of the window, and domains queued.
    jobsAcrossMidnight(db, since, until),
    series(sql`select count(*)::int as n from domains where sitemap_analysis_status = 'queued' and updated_at < hi`),
    liveJobsByDay(db),
    liveJobsSince(db, until),
  ]);
  // The jobs waiting at a day's end: those live now that were created by then, plus the finished
  // ones alive across it. The window's end is not a midnight: there, the jobs live now, less
  // those created since, plus those finished since (none when the window ends now).
  const waiting = created.map((c, i) => {
    if (i === created.length - 1) return Math.max(0, live.live - live.createdSince + live.finishedSince);
    // The midnight that ends this day starts the next: a job was alive at it when it was
    // created on an earlier date and finished on that date or later.
    const midnight = created[i + 1]?.day ?? c.day;
    const liveThen = liveByDay.reduce((n, d) => (d.day < midnight ? n + d.n : n), 0);
    const finishedLater = across.reduce((n, p) => (p.created < midnight && p.finished >= midnight ? n + p.n : n), 0);
    return liveThen + finishedLater;
  });
  const rows: ImpactDay[] = created.map((c, i) => ({
    day: c.day,
    domainsSubmitted: c.n ?? 0,
    sitemapJobsCreated: c.n ?? 0,
    sitemapJobsCompleted: finished[i]?.completed ?? 0,
    sitemapJobsFailed: finished[i]?.failed ?? 0,
    sitemapFiles: files[i]?.n ?? 0,
    pages: pages[i]?.n ?? 0,
    contacts: contacts[i]?.n ?? 0,
    waitingJobs: waiting[i] ?? 0,
    queuedDomains: queued[i]?.n ?? 0,
  }));
  const sum = (k: keyof ImpactFlows) => rows.reduce((n, r) => n + r[k], 0);
  const totals = {
    domainsSubmitted: sum('domainsSubmitted'),
    sitemapJobsCreated: sum('sitemapJobsCreated'),
    sitemapJobsCompleted: sum('sitemapJobsCompleted'),
    sitemapJobsFailed: sum('sitemapJobsFailed'),
    sitemapFiles: sum('sitemapFiles'),
    pages: sum('pages'),
    contacts: sum('contacts'),
  };
  const streaks = zeroOutputStreaks(activity, new Map(rows.map((r) => [r.day, r.domainsSubmitted])));
  const stuck = await findStuckWork(db, { olderThanMs: 15 * 60_000 });
  return {
    since: since.toISOString(),
    until: until.toISOString(),
    summary: summarizeStreaks(streaks),
    days: rows,
    totals,
    streaks,
    stuck,
  };
}

const userTypes = [...userJobTypes] as string[];

/**
 * Finished jobs of the user stages that were alive at a UTC midnight of the window, counted by
 * the UTC dates they were created and finished (at most one row per pair of dates).
 *
 * SQL: one index-only scan of jobs_across_midnight_idx, whose predicate is repeated here so
 * that the planner can use it. The planner cannot tell how few rows that partial index holds
 * (it guesses most of the table), so with JIT on it compiled the query: 57 ms instead of 5 at
 * 1M jobs (bench/audit-at-scale --scale 0.1). JIT is off for this one statement.
 */
async function jobsAcrossMidnight(
  db: Kysely<Database>,
  since: Date,
  until: Date,
): Promise<{ created: string; finished: string; n: number }[]> {
  const query = sql<{ created: string; finished: string; n: number }>`
    select to_char(created_at at time zone 'UTC', 'YYYY-MM-DD') as created,
           to_char(finished_at at time zone 'UTC', 'YYYY-MM-DD') as finished, count(*)::int as n
      from jobs
     where finished_at is not null
       and (created_at at time zone 'UTC')::date <> (finished_at at time zone 'UTC')::date
       and finished_at >= ${since}::timestamptz and created_at < ${until}::timestamptz
       and job_type = any(${userTypes}::text[])
     group by 1, 2
  `;
  return db.transaction().execute(async (trx) => {
    await sql`set local jit = off`.execute(trx);
    return (await query.execute(trx)).rows;
  });
}

/** The jobs of the user stages pending or running now, by the UTC day they were created. */
async function liveJobsByDay(db: Kysely<Database>): Promise<{ day: string; n: number }[]> {
  const { rows } = await sql<{ day: string; n: number }>`
    select to_char(created_at at time zone 'UTC', 'YYYY-MM-DD') as day, count(*)::int as n
      from jobs where status in ('pending', 'running') and job_type = any(${userTypes}::text[])
     group by 1
  `.execute(db);
  return rows;
}

/**
 * Jobs of the user stages pending or running now, and those created and finished from `until`
 * to now (none when the window ends now), on the database's clock.
 */
async function liveJobsSince(
  db: Kysely<Database>,
  until: Date,
): Promise<{ live: number; createdSince: number; finishedSince: number }> {
  const { rows } = await sql<{ live: number; createdSince: number; finishedSince: number }>`
    select (select count(*)::int from jobs where status in ('pending', 'running') and job_type = any(${userTypes}::text[])) as live,
           (select count(*)::int from jobs where job_type = any(${userTypes}::text[]) and created_at >= ${until}::timestamptz) as "createdSince",
           (select count(*)::int from jobs where job_type = any(${userTypes}::text[]) and finished_at >= ${until}::timestamptz) as "finishedSince"
  `.execute(db);
  return rows[0] ?? { live: 0, createdSince: 0, finishedSince: 0 };
}

type DailyRow = { day: string; n?: number; completed?: number; failed?: number };

/**
 * Evaluates `count` (a query over \`lo\` and \`hi\`, the bounds of one UTC day clipped to the
 * window) for every day of the window, in day order.
 */
async function dailyCounts(
  db: Kysely<Database>,
  since: Date,
  until: Date,
  count: RawBuilder<unknown>,
): Promise<DailyRow[]> {
  const { rows } = await sql<DailyRow>`
    with days as (
      select d as day_start, greatest(d, ${since}::timestamptz) as lo, least(d + interval '1 day', ${until}::timestamptz) as hi
        from generate_series(date_trunc('day', ${since}::timestamptz at time zone 'UTC') at time zone 'UTC',
                             ${until}::timestamptz - interval '1 microsecond', interval '1 day') as d
    )
    select to_char(day_start at time zone 'UTC', 'YYYY-MM-DD') as day, c.*
      from days, lateral (${count}) as c
     order by day_start
  `.execute(db);
  return rows;
}
