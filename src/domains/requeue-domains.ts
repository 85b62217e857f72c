import { type Kysely, sql } from 'kysely';
import { retryConflict } from '../db/retry-conflict.js';
import type { Database, DomainStatus, JobType } from '../db/schema.js';
import { PipectlError } from '../errors.js';
import { findDomains } from './find-domains.js';

export interface RequeueFilter {
  status?: DomainStatus[];
  /** Only domains whose status last changed at or after this time. */
  since?: Date;
  until?: Date;
  /** Domain names as typed (normalized and matched like `audit domain`). */
  domains?: string[];
  /** Only domains with a live or failed job of this stage. */
  stage?: JobType;
}

export interface RequeuePlan {
  domains: number;
  jobsToCancel: number;
  examples: string[];
  /** --domain names that match no stored domain (the command exits 1 for them). */
  unknown: string[];
}

export interface RequeueResult extends RequeuePlan {
  dryRun: boolean;
  requeued: number;
  cancelled: number;
}

/** Above this many domains, requeue needs --yes: a mistyped filter must not requeue a whole table. */
export const requeueConfirmThreshold = 100;

function matching(db: Kysely<Database>, f: RequeueFilter, domainIds: number[] | undefined) {
  let q = db.selectFrom('domains as d').select(['d.id', 'd.domain']);
  if (f.status?.length) q = q.where('d.sitemap_analysis_status', 'in', f.status);
  if (f.since) q = q.where('d.updated_at', '>=', f.since);
  if (f.until) q = q.where('d.updated_at', '<', f.until);
  // Named domains that all turned out unknown match nothing, never "no filter".
  if (domainIds) q = q.where('d.id', '=', sql<number>`any(${domainIds}::bigint[])`);
  if (f.stage) {
    const stage = f.stage;
    q = q.where(({ exists, selectFrom }) =>
      exists(
        selectFrom('jobs as j')
          .select('j.job_id')
          .whereRef('j.domain_id', '=', 'd.id')
          .where('j.job_type', '=', stage)
          .where('j.status', 'in', ['pending', 'running', 'failed']),
      ),
    );
  }
  return q;
}

/**
 * Resolves --domain names to stored rows. A name that is not a domain name and matches no row
 * is a usage error (exit 2) before anything changes; an unknown one is reported.
 */
async function resolveDomains(
  db: Kysely<Database>,
  f: RequeueFilter,
): Promise<{ ids: number[] | undefined; unknown: string[] }> {
  if (!f.domains?.length) return { ids: undefined, unknown: [] };
  const lookup = await findDomains(db, f.domains);
  const bad = lookup.invalid[0];
  if (bad) throw new PipectlError('usage', `--domain "${bad.input}" is not a domain name (${bad.reason})`);
  return { ids: lookup.found.map((d) => d.id), unknown: lookup.unknown };
}

async function plan(
  db: Kysely<Database>,
  f: RequeueFilter,
): Promise<RequeuePlan & { domainIds: number[] | undefined }> {
  if (!f.status?.length && !f.domains?.length) {
    throw new PipectlError('usage', 'say which domains to requeue: --status and/or --domain (see --help)');
  }
  if (f.since && f.until && f.until <= f.since) throw new PipectlError('usage', '--until must be after --since');
  const { ids: domainIds, unknown } = await resolveDomains(db, f);
  const ids = matching(db, f, domainIds);
  const { rows } = await sql<Omit<RequeuePlan, 'unknown'>>`
    with m as (${ids})
    select (select count(*)::int from m) as domains,
           (select count(*)::int from jobs where domain_id in (select id from m) and status in ('pending', 'running')) as "jobsToCancel",
           coalesce((select array_agg(domain) from (select domain from m order by domain limit 5) e), '{}') as examples
  `.execute(db);
  return { ...(rows[0] ?? { domains: 0, jobsToCancel: 0, examples: [] }), unknown, domainIds };
}

/** What a requeue would touch, and which --domain names are unknown. */
export async function planRequeue(db: Kysely<Database>, f: RequeueFilter): Promise<RequeuePlan> {
  const { domainIds: _, ...p } = await plan(db, f);
  return p;
}

/**
 * Puts matching domains back to `queued` (clearing sitemap_analysis_error) and cancels their
 * pending and running jobs, all in one transaction, each cancellation a job_events row. A worker
 * then takes the domains in afresh. Cancelling first means a domain never has two live jobs,
 * and a worker still running a cancelled job finds at commit that it no longer holds it.
 * Running it twice is harmless: the second run finds the domains already queued.
 */
export async function requeueDomains(
  db: Kysely<Database>,
  f: RequeueFilter,
  opts: { dryRun: boolean; yes: boolean; actor?: string },
): Promise<RequeueResult> {
  const { domainIds, ...planned } = await plan(db, f);
  if (opts.dryRun) return { ...planned, dryRun: true, requeued: 0, cancelled: 0 };
  if (planned.domains > requeueConfirmThreshold && !opts.yes) {
    throw new PipectlError(
      'confirmation_required',
      `this would requeue ${planned.domains} domains and cancel ${planned.jobsToCancel} jobs; more than ${requeueConfirmThreshold} needs --yes (check with --dry-run first)`,
      { exitCode: 1 },
    );
  }
  const actor = opts.actor ?? 'pipectl requeue';
  // A job moved between `jobs` partitions under the statement (40001), or a deadlock PostgreSQL
  // broke by rolling this back (40P01), fails it: run it again (`retryConflict`).
  return retryConflict(() =>
    db.transaction().execute(async (trx) => {
      const locked = await matching(trx, f, domainIds).forUpdate().execute();
      const ids = locked.map((r) => r.id);
      if (ids.length === 0) return { ...planned, dryRun: false, requeued: 0, cancelled: 0 };
      const { rows } = await sql<{ cancelled: number }>`
      with target as materialized (
        select job_id, status from jobs
        where domain_id = any(${ids}::bigint[]) and status in ('pending', 'running')
        for update
      ), cancelled as (
        update jobs j set status = 'cancelled', finished_at = now(), lease_expires_at = null, locked_by = null,
                        updated_at = now()
        from target t where j.job_id = t.job_id and j.status in ('pending', 'running')
        returning j.job_id, j.attempts, t.status as from_status
      ), events as (
        insert into job_events (job_id, from_status, to_status, worker_id, attempt, message)
        select job_id, from_status, 'cancelled', ${actor}, attempts, 'cancelled by requeue of its domain'
        from cancelled
      )
      select count(*)::int as cancelled from cancelled
    `.execute(trx);
      const requeued = await trx
        .updateTable('domains')
        .set({ sitemap_analysis_status: 'queued', sitemap_analysis_error: null })
        .where('id', 'in', ids)
        .executeTakeFirst();
      await sql`select pg_notify('pipectl_jobs', 'requeue')`.execute(trx);
      return {
        ...planned,
        dryRun: false,
        requeued: Number(requeued.numUpdatedRows),
        cancelled: rows[0]?.cancelled ?? 0,
      };
    }),
  );
}
