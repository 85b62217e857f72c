import { type Kysely, sql } from 'kysely';
import { nearest } from '../cli/edit-distance.js';
import type { Database, Domain, JobEvent, JobStatus, JobType } from '../db/schema.js';
import { findDomains } from '../domains/find-domains.js';
import { normalizeDomain } from '../domains/normalize-domain.js';
import { PipectlError } from '../errors.js';
import { type WorkerLiveness, workerLiveness } from './worker-liveness.js';

/** One of the domain's jobs, as the audit shows it. */
export interface TracedJob {
  job_id: string;
  job_type: JobType;
  status: JobStatus;
  attempts: number;
  max_attempts: number;
  run_at: Date;
  locked_by: string | null;
  lease_expires_at: Date | null;
  last_error: string | null;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
}

/** The newest jobs a trace lists besides the live ones and each stage's newest. */
export const tracedJobsLimit = 200;

/** Everything the database knows about one domain, end to end. */
export interface DomainTrace {
  /** The database clock when the trace was taken: ages are measured against it. */
  now: Date;
  domain: Domain;
  /** Every live job, each stage's newest, and the newest overall, oldest first (see tracedJobsLimit). */
  jobs: TracedJob[];
  /** All of the domain's jobs, counted: `jobs` may show fewer. */
  jobsTotal: number;
  events: (JobEvent & { job_type: JobType })[];
  sitemapFiles: {
    total: number;
    byKind: Record<string, number>;
    failed: number;
    errors: { url: string; http_status: number | null; error: string }[];
  };
  pages: { total: number; byScanStatus: Record<string, number> };
  contacts: { total: number; emails: number; phones: number };
  workers: WorkerLiveness;
}

/**
 * Reads a domain's whole story: its row, jobs, events, outputs and the workers' liveness. The
 * name is matched as findDomains does. Unknown domain: exit 1 with the nearest names.
 */
export async function traceDomain(db: Kysely<Database>, input: string): Promise<DomainTrace> {
  const normalized = normalizeDomain(input);
  const name = normalized.ok ? normalized.domain : input.trim().toLowerCase();
  // Rows stored by plain SQL in a non-canonical form (' Weird.COM ') match too; the canonical row first.
  const { found } = await findDomains(db, [input]);
  const match = found.find((d) => d.domain === name) ?? found[0];
  const domain = match
    ? await db.selectFrom('domains').selectAll().where('id', '=', match.id).executeTakeFirst()
    : undefined;
  if (!domain) throw await unknownDomain(db, name);
  const [jobs, jobsTotal, events, files, fileErrors, pages, contacts, workers, now] = await Promise.all([
    // Every live job (the verdict's subject), each stage's newest job, and the newest jobs
    // overall: a domain with 200,000 jobs overflowed the stack and printed 84 MB of JSON.
    sql<TracedJob>`
      select job_id, job_type, status, attempts, max_attempts, run_at, locked_by, lease_expires_at, last_error,
             created_at, started_at, finished_at
        from jobs
       where job_id in (
               select job_id from jobs where domain_id = ${domain.id} and status in ('pending', 'running')
               union
               (select job_id from jobs where domain_id = ${domain.id} order by created_at desc limit ${tracedJobsLimit})
               union
               select n.job_id from (values ('sitemap'), ('page_import'), ('contact_scan')) as t(job_type),
                      lateral (select job_id from jobs where domain_id = ${domain.id} and job_type = t.job_type
                                order by created_at desc limit 1) as n
             )
       order by created_at
    `
      .execute(db)
      .then((r) => r.rows),
    sql<{ n: number }>`select count(*)::int as n from jobs where domain_id = ${domain.id}`
      .execute(db)
      .then((r) => r.rows[0]?.n ?? 0),
    db
      .selectFrom('job_events as e')
      .innerJoin('jobs as j', 'j.job_id', 'e.job_id')
      .selectAll('e')
      .select('j.job_type')
      .where('j.domain_id', '=', domain.id)
      .orderBy('e.at')
      .orderBy('e.id')
      .limit(200)
      .execute(),
    sql<{ kind: string; n: number; failed: number }>`
      select kind, count(*)::int as n, count(*) filter (where error is not null)::int as failed
      from sitemap_files where domain_id = ${domain.id} group by kind
    `.execute(db),
    db
      .selectFrom('sitemap_files')
      .select(['url', 'http_status', 'error'])
      .where('domain_id', '=', domain.id)
      .where('error', 'is not', null)
      .orderBy('id')
      .limit(10)
      .execute(),
    sql<{ status: string; n: number }>`
      select contact_scan_status as status, count(*)::int as n from pages where domain_id = ${domain.id} group by 1
    `.execute(db),
    sql<{
      kind: string;
      n: number;
    }>`select kind, count(*)::int as n from contacts where domain_id = ${domain.id} group by 1`.execute(db),
    workerLiveness(db),
    sql<{ now: Date }>`select now() as now`.execute(db),
  ]);
  const byKind = Object.fromEntries(files.rows.map((r) => [r.kind, r.n]));
  const byScanStatus = Object.fromEntries(pages.rows.map((r) => [r.status, r.n]));
  const contactKinds = Object.fromEntries(contacts.rows.map((r) => [r.kind, r.n]));
  return {
    now: now.rows[0]?.now ?? new Date(),
    domain,
    jobs,
    jobsTotal,
    events,
    sitemapFiles: {
      total: files.rows.reduce((n, r) => n + r.n, 0),
      byKind,
      failed: files.rows.reduce((n, r) => n + r.failed, 0),
      errors: fileErrors.map((e) => ({ url: e.url, http_status: e.http_status, error: e.error ?? '' })),
    },
    pages: { total: pages.rows.reduce((n, r) => n + r.n, 0), byScanStatus },
    contacts: {
      total: (contactKinds.email ?? 0) + (contactKinds.phone ?? 0),
      emails: contactKinds.email ?? 0,
      phones: contactKinds.phone ?? 0,
    },
    workers,
  };
}

async function unknownDomain(db: Kysely<Database>, name: string): Promise<PipectlError> {
  // Candidates that share the first label or the suffix; the edit distance ranks them.
  const stem = name.split('.')[0]?.slice(0, 6) ?? name;
  const { rows } = await sql<{ domain: string }>`
    select domain from domains where domain like ${`%${stem.replace(/[%_\\]/g, '')}%`} limit 200
  `.execute(db);
  const suggestions = nearest(
    name,
    rows.map((r) => r.domain),
    3,
  );
  const hint =
    suggestions.length > 0
      ? ` — did you mean ${suggestions.join(', ')}?`
      : ' — list domains with `pipectl domains list`';
  return new PipectlError('unknown_domain', `no domain "${name}" in the database${hint}`, { exitCode: 1 });
}
