import { type Kysely, sql } from 'kysely';
import type { CheckStatus, Database } from '../db/schema.js';

/** The runs of one check within one time bucket of the window. */
export interface HistoryBucket {
  /** The bucket's index from the window's start (bucket `i` starts at since + i × bucketSeconds). */
  index: number;
  /** The worst status of its runs. */
  status: CheckStatus;
  counts: Record<CheckStatus, number>;
  /** A metric check's last value in the bucket, and the lowest and highest; null for row checks. */
  value: number | null;
  minValue: number | null;
  maxValue: number | null;
}

/** A check's latest run, and since when it has not passed. */
export interface CheckNow {
  name: string;
  status: CheckStatus;
  at: Date;
  value: number | null;
  violations: number | null;
  error: string | null;
  /** The first run after its last pass when the latest run did not pass (its first run if it never passed); else null. */
  notPassingSince: Date | null;
}

/**
 * Every check's `check_runs` over a window, in buckets of `bucketSeconds` (the worst status
 * wins a bucket), so that 30 days of 5-minute runs draw as a few hundred cells. Returns the
 * buckets that have runs, by check name, in time order.
 *
 * SQL: one grouped pass over the window's rows of check_runs (a scan: the table has no index
 * on `at` alone; a year of 5-minute runs of 9 checks is under a million rows).
 */
export async function readCheckHistory(
  db: Kysely<Database>,
  since: Date,
  until: Date,
  bucketSeconds: number,
): Promise<Map<string, HistoryBucket[]>> {
  const { rows } = await sql<{
    name: string;
    index: number;
    pass: number;
    warn: number;
    fail: number;
    error: number;
    value: number | null;
    minValue: number | null;
    maxValue: number | null;
  }>`
    select check_name as name,
           floor(extract(epoch from at - ${since}::timestamptz) / ${bucketSeconds})::int as index,
           count(*) filter (where status = 'pass')::int as pass,
           count(*) filter (where status = 'warn')::int as warn,
           count(*) filter (where status = 'fail')::int as fail,
           count(*) filter (where status = 'error')::int as error,
           (array_agg(value order by at desc))[1] as value,
           min(value) as "minValue", max(value) as "maxValue"
      from check_runs
     where at >= ${since}::timestamptz and at < ${until}::timestamptz
     group by 1, 2
     order by 1, 2
  `.execute(db);
  const history = new Map<string, HistoryBucket[]>();
  for (const r of rows) {
    const counts = { pass: r.pass, warn: r.warn, fail: r.fail, error: r.error };
    const status: CheckStatus = r.error > 0 ? 'error' : r.fail > 0 ? 'fail' : r.warn > 0 ? 'warn' : 'pass';
    const buckets = history.get(r.name) ?? [];
    buckets.push({ index: r.index, status, counts, value: r.value, minValue: r.minValue, maxValue: r.maxValue });
    history.set(r.name, buckets);
  }
  return history;
}

/**
 * The latest run of each named check (those never run are left out) and since when it has not
 * passed, whatever the window: a check red for 40 days says 40 days on a 7-day page.
 *
 * SQL: per name, the newest row and the newest pass by check_runs_check_name_at_idx (a backward
 * index scan that stops at the first match), then the first run after that pass.
 */
export async function readChecksNow(db: Kysely<Database>, names: readonly string[]): Promise<CheckNow[]> {
  if (names.length === 0) return [];
  const { rows } = await sql<CheckNow>`
    select n.name, l.status, l.at, l.value, l.violations, l.error,
           case when l.status <> 'pass' then (
             select min(c.at) from check_runs c
              where c.check_name = n.name
                and c.at > coalesce((select max(p.at) from check_runs p where p.check_name = n.name and p.status = 'pass'),
                                    '-infinity'::timestamptz)
           ) end as "notPassingSince"
      from unnest(${names as string[]}::text[]) as n(name),
           lateral (select status, at, value, violations, error from check_runs
                     where check_name = n.name order by at desc limit 1) as l
  `.execute(db);
  return rows.map((r) => ({
    ...r,
    at: new Date(r.at),
    notPassingSince: r.notPassingSince === null ? null : new Date(r.notPassingSince),
  }));
}
