import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

/**
 * Table types for kysely, kept by hand beside the migrations in ./migrations.
 * bigint ids are read as JavaScript numbers (both backends are configured so): ids stay far below 2^53.
 */

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type CreatedAt = ColumnType<Date, Date | string | undefined, Date | string>;

/** The values of the status and type columns, in their natural order (the migrations' `check` constraints). */
export const domainStatuses = ['queued', 'submitted', 'processing', 'complete', 'error'] as const;
export type DomainStatus = (typeof domainStatuses)[number];
export const jobTypes = ['sitemap', 'page_import', 'contact_scan', 'noop'] as const;
export type JobType = (typeof jobTypes)[number];
export const jobStatuses = ['pending', 'running', 'complete', 'failed', 'cancelled'] as const;
export type JobStatus = (typeof jobStatuses)[number];

/** The job types users run, in pipeline order (WF4, WF5, WF7). */
export const userJobTypes = ['sitemap', 'page_import', 'contact_scan'] as const satisfies readonly JobType[];
export type UserJobType = (typeof userJobTypes)[number];

/**
 * The job type only the queue's own tests and benchmarks create. Listings, audits and retries by
 * filter leave it out (`job_type <> testJobType`), and no command advertises it.
 */
export const testJobType = 'noop' satisfies JobType;

export function isUserJobType(type: string): type is UserJobType {
  return (userJobTypes as readonly string[]).includes(type);
}

export type SitemapKind = 'urlset' | 'index' | 'text' | 'rss' | 'atom' | 'invalid';
export type ContactScanStatus = 'pending' | 'complete' | 'error' | 'skipped';
export type ContactKind = 'email' | 'phone';
export type CheckStatus = 'pass' | 'warn' | 'fail' | 'error';

export interface DomainsTable {
  id: Generated<number>;
  domain: string;
  sitemap_analysis_status: ColumnType<DomainStatus, DomainStatus | undefined, DomainStatus>;
  sitemap_analysis_error: string | null;
  created_at: CreatedAt;
  updated_at: CreatedAt;
}

export interface JobsTable {
  job_id: Generated<string>;
  job_type: JobType;
  status: ColumnType<JobStatus, JobStatus | undefined, JobStatus>;
  domain_id: number | null;
  sitemap_file_id: number | null;
  page_id: number | null;
  payload: ColumnType<Record<string, unknown>, string | undefined, string>;
  priority: Generated<number>;
  attempts: Generated<number>;
  max_attempts: Generated<number>;
  run_at: CreatedAt;
  locked_by: string | null;
  lease_expires_at: Timestamp | null;
  last_error: string | null;
  created_at: CreatedAt;
  started_at: Timestamp | null;
  finished_at: Timestamp | null;
  updated_at: CreatedAt;
}

export interface JobEventsTable {
  id: Generated<number>;
  job_id: string;
  from_status: JobStatus | null;
  to_status: JobStatus;
  at: CreatedAt;
  worker_id: string | null;
  attempt: Generated<number>;
  message: string | null;
}

export interface SitemapFilesTable {
  id: Generated<number>;
  domain_id: number;
  job_id: string | null;
  parent_id: number | null;
  url: string;
  final_url: string | null;
  kind: SitemapKind;
  http_status: number | null;
  bytes: number | null;
  url_count: number | null;
  error: string | null;
  created_at: CreatedAt;
}

export interface PagesTable {
  id: Generated<number>;
  domain_id: number;
  sitemap_file_id: number | null;
  url: string;
  lastmod: Timestamp | null;
  changefreq: string | null;
  priority: number | null;
  contact_scan_status: ColumnType<ContactScanStatus, ContactScanStatus | undefined, ContactScanStatus>;
  contact_scan_error: string | null;
  scanned_at: Timestamp | null;
  created_at: CreatedAt;
}

export interface ContactsTable {
  id: Generated<number>;
  domain_id: number;
  page_id: number | null;
  kind: ContactKind;
  value: string;
  created_at: CreatedAt;
}

export interface WorkersTable {
  worker_id: string;
  hostname: string;
  pid: number;
  version: string;
  started_at: CreatedAt;
  heartbeat_at: CreatedAt;
  stopped_at: Timestamp | null;
}

export interface AlertStateTable {
  /** Whose state it is: a checks file's `namespace:` or identity (migration 0009); '' for rows older than that. */
  namespace: string;
  check_name: string;
  status: CheckStatus;
  since: CreatedAt;
  last_notified_at: Timestamp | null;
  notified_status: CheckStatus | null;
  updated_at: CreatedAt;
}

export interface CheckRunsTable {
  id: Generated<number>;
  run_id: string;
  check_name: string;
  status: CheckStatus;
  value: number | null;
  violations: number | null;
  duration_ms: number;
  error: string | null;
  at: CreatedAt;
}

/** Each domain's number of pages, kept by triggers on pages (migration 0007) for WF5's cap. */
export interface DomainPageCountsTable {
  domain_id: number;
  pages: number;
}

export interface Database {
  domains: DomainsTable;
  domain_page_counts: DomainPageCountsTable;
  jobs: JobsTable;
  job_events: JobEventsTable;
  sitemap_files: SitemapFilesTable;
  pages: PagesTable;
  contacts: ContactsTable;
  workers: WorkersTable;
  alert_state: AlertStateTable;
  check_runs: CheckRunsTable;
}

export type Domain = Selectable<DomainsTable>;
export type NewDomain = Insertable<DomainsTable>;
export type Job = Selectable<JobsTable>;
export type NewJob = Insertable<JobsTable>;
export type JobUpdate = Updateable<JobsTable>;
export type JobEvent = Selectable<JobEventsTable>;
export type SitemapFile = Selectable<SitemapFilesTable>;
export type Page = Selectable<PagesTable>;
export type Contact = Selectable<ContactsTable>;
export type Worker = Selectable<WorkersTable>;
