import { type Kysely, type RawBuilder, sql } from 'kysely';
import type { Database, DomainStatus, JobStatus, JobType, SitemapKind } from '../../src/db/schema.js';

/**
 * Row factories: rows inserted directly (no worker code), with times relative to the database's
 * clock. `ago('15 minutes 10 seconds')` is `now() - interval '…'` on the server that the checks
 * will compare it with.
 */
export function ago(interval: string): RawBuilder<Date> {
  return sql<Date>`now() - ${interval}::interval`;
}

export function fromNow(interval: string): RawBuilder<Date> {
  return sql<Date>`now() + ${interval}::interval`;
}

/**
 * Empties every table of the schema (the migrator's own excepted), with identities restarted,
 * so that each test starts from an empty database: a table added by a migration is emptied too.
 */
export async function emptyTables(db: Kysely<Database>): Promise<void> {
  const { rows } = await sql<{ name: string }>`
    select quote_ident(tablename) as name from pg_tables
    where schemaname = current_schema() and tablename not like 'pipectl_migrations%'`.execute(db);
  await sql`truncate ${sql.raw(rows.map((r) => r.name).join(', '))} restart identity cascade`.execute(db);
}

let serial = 0;

export async function addDomain(
  db: Kysely<Database>,
  status: DomainStatus,
  since: RawBuilder<Date> = ago('0 seconds'),
): Promise<number> {
  serial += 1;
  const row = await db
    .insertInto('domains')
    .values({ domain: `site-${serial}.example`, sitemap_analysis_status: status, created_at: since, updated_at: since })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export interface JobRow {
  type?: JobType;
  status?: JobStatus;
  domainId?: number | null;
  runAt?: RawBuilder<Date>;
  createdAt?: RawBuilder<Date>;
  leaseExpiresAt?: RawBuilder<Date> | null;
  finishedAt?: RawBuilder<Date> | null;
}

/** Adds jobs; without a domain they are `noop` jobs, which need no input row. */
export async function addJobs(db: Kysely<Database>, count: number, job: JobRow = {}): Promise<void> {
  const type = job.type ?? (job.domainId ? 'sitemap' : 'noop');
  await db
    .insertInto('jobs')
    .values(
      Array.from({ length: count }, () => ({
        job_type: type,
        status: job.status ?? 'pending',
        domain_id: job.domainId ?? null,
        run_at: job.runAt ?? ago('0 seconds'),
        created_at: job.createdAt ?? job.runAt ?? ago('0 seconds'),
        lease_expires_at: job.leaseExpiresAt ?? null,
        locked_by: job.status === 'running' ? 'worker-1' : null,
        finished_at: job.finishedAt ?? null,
      })),
    )
    .execute();
}

export async function addSitemapFile(
  db: Kysely<Database>,
  domainId: number,
  createdAt: RawBuilder<Date>,
  kind: SitemapKind = 'urlset',
  urlCount: number | null = 10,
): Promise<number> {
  serial += 1;
  const row = await db
    .insertInto('sitemap_files')
    .values({
      domain_id: domainId,
      url: `https://site.example/sitemap-${serial}.xml`,
      kind,
      url_count: urlCount,
      created_at: createdAt,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export async function addPage(
  db: Kysely<Database>,
  domainId: number,
  createdAt: RawBuilder<Date>,
  scan: 'pending' | 'complete' = 'complete',
): Promise<void> {
  serial += 1;
  await db
    .insertInto('pages')
    .values({
      domain_id: domainId,
      url: `https://site.example/page-${serial}`,
      contact_scan_status: scan,
      created_at: createdAt,
    })
    .execute();
}

export async function addWorker(
  db: Kysely<Database>,
  heartbeatAt: RawBuilder<Date>,
  stoppedAt: RawBuilder<Date> | null = null,
): Promise<void> {
  serial += 1;
  await db
    .insertInto('workers')
    .values({
      worker_id: `worker-${serial}`,
      hostname: 'host',
      pid: 1000 + serial,
      version: '0.1.0',
      started_at: ago('1 day'),
      heartbeat_at: heartbeatAt,
      stopped_at: stoppedAt,
    })
    .execute();
}
