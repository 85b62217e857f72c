import { type Kysely, sql } from 'kysely';
import { expect } from 'vitest';
import type { Database } from '../../../src/db/schema.js';
import { type ExpectedOutcome, expectedOutcome, generatedIndex } from './generated-sites.js';

/**
 * The job state machine (design §5): every job_events row is one of these steps, and a job's
 * events chain from ∅ to its current status. A rescue is running→pending or running→failed; a
 * retry by hand is failed|cancelled→pending.
 */
export const allowedSteps = [
  ['∅', 'pending'],
  ['pending', 'running'],
  ['running', 'complete'],
  ['running', 'failed'],
  ['running', 'pending'],
  ['pending', 'cancelled'],
  ['running', 'cancelled'],
  ['failed', 'pending'],
  ['cancelled', 'pending'],
] as const;

/** What the database says at the end of a scenario. */
export interface PipelineFigures {
  domains: Record<string, number>;
  jobs: Record<string, number>;
  jobsByType: Record<string, number>;
  events: number;
  pages: number;
  contacts: number;
  pagesByStatus: Record<string, number>;
  /** Jobs that were rescued after their lease expired (a running→pending|failed step by another worker). */
  rescues: number;
  /** Failed runs that went back to pending for a retry. */
  retries: number;
  /** Median and 95th percentile of a run (claim to completion) by job type, ms. */
  runMs: Record<string, { p50: number; p95: number }>;
  /** The commonest reasons pages ended `error`, URLs and numbers elided. */
  pageErrors: Record<string, number>;
}

async function countsBy(db: Kysely<Database>, query: ReturnType<typeof sql>): Promise<Record<string, number>> {
  const { rows } = await (query as ReturnType<typeof sql<{ k: string; n: number }>>).execute(db);
  return Object.fromEntries(rows.map((r) => [r.k, Number(r.n)]));
}

/**
 * Asserts what must hold after any scenario, faults or not:
 * - every domain is `complete` or `error`, and every `error` has a reason;
 * - no job is `pending` or `running`;
 * - every job's job_events is a valid path through the state machine, from ∅ to its status,
 *   and no event belongs to a job that does not exist;
 * - no job completed twice; a domain's status agrees with its sitemap job's;
 * - no duplicate pages or contacts; no page left `pending` (a page without a scan is work lost).
 */
export async function assertPipelineInvariants(db: Kysely<Database>, domainCount: number): Promise<PipelineFigures> {
  const domains = await countsBy(
    db,
    sql`select sitemap_analysis_status as k, count(*)::int as n from domains group by 1`,
  );
  expect(Object.values(domains).reduce((a, b) => a + b, 0)).toBe(domainCount);
  expect(Object.keys(domains).filter((s) => s !== 'complete' && s !== 'error')).toEqual([]);
  const { rows: noReason } = await sql<{ domain: string }>`
    select domain from domains
    where sitemap_analysis_status = 'error' and coalesce(sitemap_analysis_error, '') = '' limit 5
  `.execute(db);
  expect(noReason, 'error domains without a reason').toEqual([]);

  const jobs = await countsBy(db, sql`select status as k, count(*)::int as n from jobs group by 1`);
  expect(jobs.pending ?? 0, 'pending jobs').toBe(0);
  expect(jobs.running ?? 0, 'running jobs').toBe(0);
  const jobsByType = await countsBy(db, sql`select job_type as k, count(*)::int as n from jobs group by 1`);

  const steps = allowedSteps.map(([from, to]) => `${from}>${to}`);
  const { rows: badSteps } = await sql<{ job_id: string; step: string; prev: string | null; n: number }>`
    with ev as (
      select job_id, id, coalesce(from_status, '∅') as from_status, to_status,
        lag(to_status) over (partition by job_id order by id) as prev,
        row_number() over (partition by job_id order by id) as n
      from job_events
    )
    select job_id, from_status || '>' || to_status as step, prev, n::int from ev
    where from_status || '>' || to_status <> all(${steps}::text[])
       or (n = 1 and from_status <> '∅')
       or (n > 1 and from_status is distinct from prev)
    limit 10
  `.execute(db);
  expect(badSteps, 'job_events steps outside the state machine, or not chained').toEqual([]);
  const { rows: badEnds } = await sql<{ job_id: string; status: string; last: string | null }>`
    select j.job_id, j.status, l.to_status as last
    from jobs j left join lateral (
      select to_status from job_events e where e.job_id = j.job_id order by id desc limit 1
    ) l on true
    where l.to_status is distinct from j.status
    limit 10
  `.execute(db);
  expect(badEnds, 'jobs whose last event is not their status (or that have none)').toEqual([]);
  const { rows: orphans } = await sql<{ n: number }>`
    select count(*)::int as n from job_events e where not exists (select 1 from jobs j where j.job_id = e.job_id)
  `.execute(db);
  expect(orphans[0]?.n, 'job_events of jobs that do not exist').toBe(0);
  const { rows: twice } = await sql<{ job_id: string; n: number }>`
    select job_id, count(*)::int as n from job_events where to_status = 'complete' group by 1 having count(*) > 1 limit 5
  `.execute(db);
  expect(twice, 'jobs completed more than once').toEqual([]);

  const { rows: disagree } = await sql<{ domain: string; status: string; job: string | null }>`
    select d.domain, d.sitemap_analysis_status as status, j.status as job
    from domains d left join lateral (
      select status from jobs j where j.domain_id = d.id and j.job_type = 'sitemap' order by created_at desc limit 1
    ) j on true
    where (d.sitemap_analysis_status, j.status) not in (('complete', 'complete'), ('error', 'failed'))
    limit 5
  `.execute(db);
  expect(disagree, "domains whose status disagrees with their sitemap job's").toEqual([]);

  const { rows: dup } = await sql<{ pages: number; contacts: number; files: number }>`
    select
      (select count(*)::int from (select 1 from pages group by domain_id, url having count(*) > 1) p) as pages,
      (select count(*)::int from (select 1 from contacts group by domain_id, kind, value having count(*) > 1) c) as contacts,
      (select count(*)::int from (select 1 from sitemap_files group by domain_id, url having count(*) > 1) f) as files
  `.execute(db);
  expect(dup[0], 'duplicate pages, contacts or sitemap files').toEqual({ pages: 0, contacts: 0, files: 0 });

  const pagesByStatus = await countsBy(
    db,
    sql`select contact_scan_status as k, count(*)::int as n from pages group by 1`,
  );
  expect(pagesByStatus.pending ?? 0, 'pages left pending with no job to scan them').toBe(0);

  const { rows: totals } = await sql<{
    events: number;
    pages: number;
    contacts: number;
    rescues: number;
    retries: number;
  }>`
    select
      (select count(*)::int from job_events) as events,
      (select count(*)::int from pages) as pages,
      (select count(*)::int from contacts) as contacts,
      (select count(*)::int from job_events where message like 'lease expired%') as rescues,
      (select count(*)::int from job_events where from_status = 'running' and to_status = 'pending'
         and message not like 'lease expired%' and message <> 'worker shutting down') as retries
  `.execute(db);
  const t = totals[0] as NonNullable<(typeof totals)[0]>;
  const { rows: runs } = await sql<{ job_type: string; p50: number; p95: number }>`
    select j.job_type,
      percentile_cont(0.5) within group (order by extract(epoch from e.at - s.at) * 1000)::int as p50,
      percentile_cont(0.95) within group (order by extract(epoch from e.at - s.at) * 1000)::int as p95
    from job_events e
    join jobs j using (job_id)
    join lateral (
      select at from job_events s where s.job_id = e.job_id and s.to_status = 'running' and s.id < e.id
      order by s.id desc limit 1
    ) s on true
    where e.to_status = 'complete'
    group by 1
  `.execute(db);
  const runMs = Object.fromEntries(runs.map((r) => [r.job_type, { p50: r.p50, p95: r.p95 }]));
  const pageErrors = await countsBy(
    db,
    sql`select left(regexp_replace(regexp_replace(contact_scan_error, 'https?://[^ ]+', 'URL', 'g'), '[0-9]+', 'N', 'g'), 80) as k,
          count(*)::int as n
        from pages where contact_scan_status = 'error' group by 1 order by 2 desc limit 6`,
  );
  return { domains, jobs, jobsByType, pagesByStatus, ...t, runMs, pageErrors };
}

/** One domain as the database has it, in the shape of `ExpectedOutcome`. */
interface ActualOutcome extends ExpectedOutcome {
  domain: string;
}

/**
 * Compares each generated domain with what its site must give (generated-sites.ts): status,
 * reason, pages, page statuses and contacts. `skip` leaves out domains whose outcome may
 * legitimately differ (those that met an injected fault). Returns how many were compared.
 */
export async function assertExpectedOutcomes(
  db: Kysely<Database>,
  skip: (domain: string) => boolean = () => false,
): Promise<number> {
  const { rows } = await sql<{
    domain: string;
    status: 'complete' | 'error';
    reason: boolean;
    pages: number;
    statuses: string[] | null;
    emails: string[] | null;
  }>`
    select d.domain, d.sitemap_analysis_status as status, coalesce(d.sitemap_analysis_error, '') <> '' as reason,
      (select count(*)::int from pages p where p.domain_id = d.id) as pages,
      (select array_agg(contact_scan_status order by contact_scan_status) from pages p where p.domain_id = d.id) as statuses,
      (select array_agg(value order by value) from contacts c where c.domain_id = d.id) as emails
    from domains d
  `.execute(db);
  const wrong: { actual: ActualOutcome; expected: ExpectedOutcome }[] = [];
  let compared = 0;
  for (const r of rows) {
    if (skip(r.domain)) continue;
    const i = generatedIndex(r.domain);
    if (i === undefined) throw new Error(`not a generated domain: ${r.domain}`);
    compared++;
    const actual: ActualOutcome = {
      domain: r.domain,
      status: r.status,
      reason: r.reason,
      pages: r.pages,
      pageStatuses: r.statuses ?? [],
      emails: r.emails ?? [],
    };
    const expected = expectedOutcome(i);
    // A reason is required where the site gives one; a domain with pages may still carry a note.
    const same =
      actual.status === expected.status &&
      (!expected.reason || actual.reason) &&
      actual.pages === expected.pages &&
      actual.pageStatuses.join() === expected.pageStatuses.join() &&
      actual.emails.join() === expected.emails.join();
    if (!same) wrong.push({ actual, expected });
  }
  expect(wrong.slice(0, 5), `${wrong.length} domains did not end as their site says`).toEqual([]);
  return compared;
}

/** What a crash scenario must keep at 0, counted rather than asserted (for the soak's table). */
export interface CrashFigures {
  /** Work left undone: domains not finished, jobs pending or running, pages never scanned. */
  lost: number;
  /** Jobs completed more than once. */
  runTwice: number;
  /** Jobs `failed` by a rescue although their last run never started (an attempt charged for nothing). */
  failedUnrun: number;
  /** Jobs `failed` by lease expiry at all: killed mid-run on every one of their attempts. */
  failedByLease: number;
}

export async function crashFigures(db: Kysely<Database>): Promise<CrashFigures> {
  const { rows } = await sql<CrashFigures>`
    select
      (select count(*)::int from domains where sitemap_analysis_status not in ('complete', 'error'))
        + (select count(*)::int from jobs where status in ('pending', 'running'))
        + (select count(*)::int from pages where contact_scan_status = 'pending') as "lost",
      (select count(*)::int from (select job_id from job_events where to_status = 'complete'
         group by 1 having count(*) > 1) t) as "runTwice",
      (select count(*)::int from jobs where status = 'failed' and last_error like 'lease expired%'
         and started_at is null) as "failedUnrun",
      (select count(*)::int from jobs where status = 'failed' and last_error like 'lease expired%') as "failedByLease"
  `.execute(db);
  return rows[0] as CrashFigures;
}
