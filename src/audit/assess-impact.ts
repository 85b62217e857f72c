import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/schema.js';
import { findStuckWork, type StuckGroup } from './find-stuck-work.js';

/** One UTC day of the pipeline's input and output. */
export interface ImpactDay {
  day: string;
  domainsSubmitted: number;
  sitemapJobsCreated: number;
  sitemapJobsCompleted: number;
  sitemapJobsFailed: number;
  sitemapFiles: number;
  pages: number;
  contacts: number;
}

/** The longest run of days on which a stage produced nothing while work came in. */
export interface ZeroStreak {
  output: 'sitemap files' | 'pages' | 'contacts';
  days: number;
  from: string;
  to: string;
  /** Domains submitted over those days: the work that produced nothing. */
  domainsSubmitted: number;
  sentence: string;
}

export interface Impact {
  since: string;
  until: string;
  days: ImpactDay[];
  totals: Omit<ImpactDay, 'day'>;
  streaks: ZeroStreak[];
  stuck: StuckGroup[];
}

/**
 * The incident report's impact assessment, computed: per-day counts of domains submitted
 * (sitemap jobs created), sitemap jobs completed and failed, sitemap files, pages and contacts
 * created; the longest zero-output streak per output; and what is still stuck. Days are UTC.
 * Each count is a range scan of a created_at / finished_at index.
 */
export async function assessImpact(db: Kysely<Database>, since: Date, until: Date): Promise<Impact> {
  const { rows } = await sql<ImpactDay>`
    with days as (
      select generate_series(date_trunc('day', ${since}::timestamptz at time zone 'UTC'),
                             date_trunc('day', ${until}::timestamptz at time zone 'UTC'), interval '1 day') as day
    ),
    created as (
      select date_trunc('day', created_at at time zone 'UTC') as day, count(*) as n
        from jobs where job_type = 'sitemap' and created_at >= ${since} and created_at < ${until} group by 1
    ),
    finished as (
      select date_trunc('day', finished_at at time zone 'UTC') as day,
             count(*) filter (where status = 'complete') as completed,
             count(*) filter (where status = 'failed') as failed
        from jobs where finished_at >= ${since} and finished_at < ${until} and job_type = 'sitemap' group by 1
    ),
    files as (
      select date_trunc('day', created_at at time zone 'UTC') as day, count(*) as n
        from sitemap_files where created_at >= ${since} and created_at < ${until} group by 1
    ),
    new_pages as (
      select date_trunc('day', created_at at time zone 'UTC') as day, count(*) as n
        from pages where created_at >= ${since} and created_at < ${until} group by 1
    ),
    new_contacts as (
      select date_trunc('day', created_at at time zone 'UTC') as day, count(*) as n
        from contacts where created_at >= ${since} and created_at < ${until} group by 1
    )
    select to_char(days.day, 'YYYY-MM-DD') as day,
           coalesce(created.n, 0)::int as "domainsSubmitted",
           coalesce(created.n, 0)::int as "sitemapJobsCreated",
           coalesce(finished.completed, 0)::int as "sitemapJobsCompleted",
           coalesce(finished.failed, 0)::int as "sitemapJobsFailed",
           coalesce(files.n, 0)::int as "sitemapFiles",
           coalesce(new_pages.n, 0)::int as pages,
           coalesce(new_contacts.n, 0)::int as contacts
      from days
      left join created using (day) left join finished using (day) left join files using (day)
      left join new_pages using (day) left join new_contacts using (day)
     order by days.day
  `.execute(db);
  const sum = (k: keyof Omit<ImpactDay, 'day'>) => rows.reduce((n, r) => n + r[k], 0);
  const totals = {
    domainsSubmitted: sum('domainsSubmitted'),
    sitemapJobsCreated: sum('sitemapJobsCreated'),
    sitemapJobsCompleted: sum('sitemapJobsCompleted'),
    sitemapJobsFailed: sum('sitemapJobsFailed'),
    sitemapFiles: sum('sitemapFiles'),
    pages: sum('pages'),
    contacts: sum('contacts'),
  };
  const streaks = (
    [
      ['sitemap files', 'sitemapFiles'],
      ['pages', 'pages'],
      ['contacts', 'contacts'],
    ] as const
  ).flatMap(([output, key]) => {
    const s = longestZeroStreak(rows, key);
    return s
      ? [
          {
            output,
            ...s,
            sentence: `${output}: 0 created for ${s.days} day${s.days === 1 ? '' : 's'} (${s.from} → ${s.to}) while ${s.domainsSubmitted} domains were submitted`,
          },
        ]
      : [];
  });
  const stuck = await findStuckWork(db, { olderThanMs: 15 * 60_000 });
  return { since: since.toISOString(), until: until.toISOString(), days: rows, totals, streaks, stuck };
}

/**
 * The longest run of consecutive days with zero `key` output during which domains were still
 * submitted (an idle system with no input is not an outage). Leading and trailing days without
 * input are trimmed off the run.
 */
export function longestZeroStreak(
  days: ImpactDay[],
  key: 'sitemapFiles' | 'pages' | 'contacts',
): Omit<ZeroStreak, 'output' | 'sentence'> | undefined {
  let best: Omit<ZeroStreak, 'output' | 'sentence'> | undefined;
  let start = -1;
  const close = (endExclusive: number) => {
    if (start < 0) return;
    let a = start;
    let b = endExclusive - 1;
    while (a <= b && (days[a]?.domainsSubmitted ?? 0) === 0) a++;
    while (b >= a && (days[b]?.domainsSubmitted ?? 0) === 0) b--;
    if (a <= b) {
      const submitted = days.slice(a, b + 1).reduce((n, d) => n + d.domainsSubmitted, 0);
      const length = b - a + 1;
      if (!best || length > best.days)
        best = { days: length, from: days[a]?.day ?? '', to: days[b]?.day ?? '', domainsSubmitted: submitted };
    }
    start = -1;
  };
  days.forEach((d, i) => {
    if (d[key] === 0) {
      if (start < 0) start = i;
    } else close(i);
  });
  close(days.length);
  return best;
}
