import { type Kysely, sql, type Transaction } from 'kysely';
import pLimit from 'p-limit';
import type { Logger } from 'pino';
import type { ContactKind, ContactScanStatus, Database, Job } from '../../db/schema.js';
import type { HttpClient } from '../../fetch/http-client.js';
import type { RobotsCache } from '../../fetch/robots-cache.js';
import { extractContacts, maxHtmlSize } from '../../parse/contacts/extract-contacts.js';
import { enqueueJobs, type JobSpec } from '../queue/enqueue-jobs.js';
import { PermanentJobError, type StageHandler } from '../stage.js';
import { storableText } from './storable-text.js';

/** A fetched page, as the fetch layer returns it (after redirects, decompressed, size-capped). */
export interface FetchedPage {
  status: number;
  body: string | Uint8Array;
  finalUrl: string;
  /** The Content-Type header, if any: its charset decodes a byte body, its type rules out non-HTML. */
  contentType?: string | null;
}

/**
 * Fetches a page through the fetch layer (SSRF guard, per-host concurrency and delay, timeouts,
 * size cap). A failure no retry can fix (an address the SSRF guard refuses) is a
 * `PermanentJobError` or an error with `permanent: true` (as the fetch layer's FetchError has);
 * any other error counts as transient.
 */
export interface PageFetcher {
  fetchText(url: string, signal: AbortSignal): Promise<FetchedPage>;
}

export type RobotsVerdict = { allowed: true } | { allowed: false; reason: string };

/**
 * robots.txt for the configured User-Agent, fetched once per host and cached by the fetch layer.
 * Throws (like a fetcher) when robots.txt cannot be read, so the page is retried, not skipped.
 */
export interface RobotsPolicy {
  check(url: string, signal: AbortSignal): Promise<RobotsVerdict>;
}

/** What WF7 needs; resolved once by `pipectl process`. */
export interface ContactScanStageConfig {
  fetcher: PageFetcher;
  robots: RobotsPolicy;
  /** Pages of one job fetched at once; default 4 (the fetch layer's per-host limits still apply). */
  pageConcurrency?: number;
}

/** The payload of a `contact_scan` job: the pages it scans. `page_id` is the first of them. */
export interface ContactScanPayload {
  pageIds?: number[];
}

/** One page's outcome. */
export interface PageScan {
  pageId: number;
  status: Exclude<ContactScanStatus, 'pending'>;
  error: string | null;
  emails: string[];
  phones: string[];
}

export interface ContactScanResult {
  domainId: number;
  pages: PageScan[];
}

const defaultPageConcurrency = 4;
/** Content types that can carry contact text; anything else (PDF, images, archives) is skipped unread. */
const readableType = /^\s*(?:text\/html|application\/xhtml\+xml|text\/plain)\b/i;

/** A page's scan, and whether its failure is one a later attempt may not repeat (network, timeout, 408, 429, 5xx). */
interface ScanOutcome {
  scan: PageScan;
  transient: boolean;
}

/**
 * WF7: scans a batch of one domain's pages for contacts.
 *
 * A batch (default 25 pages, listed in the payload, keyed by the first page) rather than a job per
 * page or per domain: see "The job state machine" in docs/architecture.md. A job with no page
 * list scans up to 100 pending pages of its domain and enqueues batches for the rest.
 *
 * Each page gets its own status: `complete`, `skipped` (robots.txt disallows it, or it is not
 * HTML) or `error` (HTTP error, network failure); one page's failure never fails the others.
 * A page that failed transiently (network, timeout, 408, 429, 5xx) is retried with the job's
 * backoff: its complete and skipped siblings are recorded at once, and the retry scans only
 * the pages still pending. On the job's last attempt such a page is recorded `error`; when
 * every page of the batch failed, the job fails and `onFailed` marks them `error`. Contacts
 * are upserted per domain and keep the page they were first seen on.
 */
export function createContactScanStage(config: ContactScanStageConfig): StageHandler<ContactScanResult> {
  const pageConcurrency = config.pageConcurrency ?? defaultPageConcurrency;

  async function scanPage(page: { id: number; url: string }, signal: AbortSignal): Promise<ScanOutcome> {
    const outcome = (status: PageScan['status'], error: string | null, transient = false): ScanOutcome => ({
      scan: { pageId: page.id, status, error, emails: [], phones: [] },
      transient,
    });
    try {
      const robots = await config.robots.check(page.url, signal);
      if (!robots.allowed) return outcome('skipped', robots.reason);
      const response = await config.fetcher.fetchText(page.url, signal);
      if (response.status >= 400) {
        const transient = response.status >= 500 || response.status === 408 || response.status === 429;
        return outcome('error', `HTTP ${response.status}`, transient);
      }
      const type = response.contentType ?? '';
      if (type !== '' && !readableType.test(type)) return outcome('skipped', `not an HTML page (${type})`);
      const charset = /charset="?([\w.:-]{1,40})/i.exec(type)?.[1];
      const found = extractContacts(response.body, response.finalUrl || page.url, { charset });
      const done = outcome('complete', null);
      return { ...done, scan: { ...done.scan, emails: found.emails, phones: found.phones } };
    } catch (err) {
      // Shutdown or a lost lease: abandon the job rather than record its pages as failed.
      if (signal.aborted) throw signal.reason;
      const message = err instanceof Error ? err.message : String(err);
      const permanent = err instanceof PermanentJobError || (err as { permanent?: unknown })?.permanent === true;
      return outcome('error', message, !permanent);
    }
  }

  return {
    jobType: 'contact_scan',

    async run(job, ctx) {
      if (job.domain_id === null) throw new PermanentJobError('contact_scan job has no domain_id');
      const pages = await pagesToScan(ctx.db, job);
      const limit = pLimit(pageConcurrency);
      const outcomes = await Promise.all(pages.map((page) => limit(() => scanPage(page, ctx.signal))));
      const failed = outcomes.filter((o) => o.transient);
      if (failed.length > 0 && failed.length === outcomes.length) {
        throw new Error(`all ${outcomes.length} pages failed, the first with: ${outcomes[0]?.scan.error}`);
      }
      if (failed.length > 0 && job.attempts < job.max_attempts) {
        // Keep what is final (complete and skipped pages, their contacts) and retry the job: its
        // next attempt scans only the pages still pending. Idempotent writes, as run() may make.
        const final = outcomes.map((o) => o.scan).filter((p) => p.status === 'complete' || p.status === 'skipped');
        await ctx.db.transaction().execute(async (trx) => {
          await recordPageStatuses(trx, final);
          await upsertContacts(trx, { domainId: job.domain_id ?? 0, pages: final });
        });
        throw new Error(
          `${failed.length} of ${outcomes.length} pages failed and are retried, the first with: ${failed[0]?.scan.error}`,
        );
      }
      return { domainId: job.domain_id, pages: outcomes.map((o) => o.scan) };
    },

    async commit(_job, result, ctx) {
      await recordPageStatuses(ctx.trx, result.pages);
      const contacts = await upsertContacts(ctx.trx, result);
      const byStatus = countBy(result.pages.map((p) => p.status));
      ctx.logger.info({ domainId: result.domainId, pages: byStatus, contacts }, 'pages scanned');
    },

    async onFailed(job, error, ctx) {
      const ids = payloadPageIds(job);
      if (ids.length === 0) return;
      await ctx.trx
        .updateTable('pages')
        .set({ contact_scan_status: 'error', contact_scan_error: storableText(error), scanned_at: sql`now()` })
        .where('id', 'in', ids)
        .where('contact_scan_status', '=', 'pending')
        .execute();
    },
  };
}

/**
 * WF7's page access on the fetch layer. Pages come through the HttpClient; an error status or a
 * non-HTML type is answered from the headers alone, and a body is read only up to the
 * extractor's cap (2 MiB), so a huge page costs no more than that. robots.txt comes from the
 * RobotsCache for the client's User-Agent; an unreachable robots.txt (5xx, network) makes the
 * page a transient error to retry rather than a permanent skip.
 */
export function fetchLayerPageAccess(
  client: HttpClient,
  robotsCache: RobotsCache,
): Pick<ContactScanStageConfig, 'fetcher' | 'robots'> {
  return {
    fetcher: {
      async fetchText(url, signal) {
        const response = await client.fetch(url, {
          signal,
          accept: 'text/html, application/xhtml+xml;q=0.9, text/plain;q=0.5, */*;q=0.1',
        });
        const contentType = response.header('content-type') ?? null;
        const page = { status: response.status, finalUrl: response.finalUrl, contentType };
        if (response.status >= 400 || (contentType !== null && !readableType.test(contentType))) {
          response.close();
          return { ...page, body: '' };
        }
        const chunks: Buffer[] = [];
        let size = 0;
        for await (const chunk of response) {
          chunks.push(chunk);
          size += chunk.length;
          if (size >= maxHtmlSize) break; // leaving the loop closes the response
        }
        return { ...page, body: Buffer.concat(chunks) };
      },
    },
    robots: {
      async check(url, signal) {
        const robots = await robotsCache.forOrigin(new URL(url).origin, { signal });
        if (robots.fetchError !== null) throw robots.fetchError;
        if (robots.error !== null) throw new Error(`robots.txt of ${robots.origin} could not be read: ${robots.error}`);
        return robots.rules.isAllowed(url, client.userAgent)
          ? { allowed: true }
          : { allowed: false, reason: `disallowed by robots.txt for ${client.userAgent}` };
      },
    },
  };
}

/** A job with neither a page list nor a page: it scans whatever its domain has pending. */
function payloadPageIds(job: Job): number[] {
  const listed = (job.payload as ContactScanPayload | null)?.pageIds;
  const ids = Array.isArray(listed) ? listed.filter((id) => Number.isSafeInteger(id) && id > 0) : [];
  if (ids.length === 0 && job.page_id !== null) return [job.page_id];
  return ids;
}

/**
 * The job's pages that still need a scan: `pending`, or `error` from an earlier attempt (a
 * manual `jobs retry` rescans those). Complete and skipped pages are not fetched again.
 */
async function pagesToScan(db: Kysely<Database>, job: Job): Promise<{ id: number; url: string }[]> {
  const domainId = job.domain_id ?? 0;
  return db
    .selectFrom('pages')
    .select(['id', 'url'])
    .where('domain_id', '=', domainId)
    .where('id', 'in', payloadPageIds(job))
    .where('contact_scan_status', 'in', ['pending', 'error'])
    .orderBy('id')
    .execute();
}

/** SQL: one `update pages … from unnest(…)` for the batch, in id order (a stable lock order). */
async function recordPageStatuses(trx: Transaction<Database>, scans: PageScan[]): Promise<void> {
  if (scans.length === 0) return;
  const sorted = [...scans].sort((a, b) => a.pageId - b.pageId);
  await sql`
    update pages set contact_scan_status = t.status, contact_scan_error = t.error, scanned_at = now()
    from unnest(
      ${sorted.map((s) => s.pageId)}::bigint[],
      ${sorted.map((s) => s.status)}::text[],
      ${sorted.map((s) => storableText(s.error))}::text[]
    ) as t(id, status, error)
    where pages.id = t.id
  `.execute(trx);
}

/**
 * Upserts the batch's contacts for its domain and returns how many were new. A contact keeps
 * the page it was first seen on: within the batch the lowest page id, across batches whichever
 * committed first (`on conflict do nothing`). Rows go in (kind, value) order so that two
 * batches of one domain committing at once take the unique index's locks in the same order
 * and cannot deadlock.
 *
 * SQL: one `insert … select from unnest(…) on conflict (domain_id, kind, value) do nothing`.
 */
async function upsertContacts(trx: Transaction<Database>, result: ContactScanResult): Promise<number> {
  const firstSeen = new Map<string, { pageId: number; kind: ContactKind; value: string }>();
  const pages = [...result.pages].sort((a, b) => a.pageId - b.pageId);
  for (const page of pages) {
    for (const [kind, values] of [
      ['email', page.emails],
      ['phone', page.phones],
    ] as const) {
      for (const value of values) {
        const key = `${kind}\u0000${value}`;
        if (!firstSeen.has(key)) firstSeen.set(key, { pageId: page.pageId, kind, value });
      }
    }
  }
  if (firstSeen.size === 0) return 0;
  const rows = [...firstSeen.values()].sort((a, b) =>
    a.kind === b.kind ? (a.value < b.value ? -1 : a.value > b.value ? 1 : 0) : a.kind < b.kind ? -1 : 1,
  );
  const inserted = await sql`
    insert into contacts (domain_id, page_id, kind, value)
    select ${result.domainId}, t.page_id, t.kind, t.value
    from unnest(
      ${rows.map((r) => r.pageId)}::bigint[],
      ${rows.map((r) => r.kind)}::text[],
      ${rows.map((r) => storableText(r.value))}::text[]
    ) with ordinality as t(page_id, kind, value, ord)
    order by t.ord
    on conflict (domain_id, kind, value) do nothing
  `.execute(trx);
  return Number(inserted.numAffectedRows ?? 0n);
}

function countBy(values: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const v of values) counts[v] = (counts[v] ?? 0) + 1;
  return counts;
}

/** What {@link enqueueContactScans} enqueues for. */
export interface ContactScanScope {
  domainId: number;
  /** Only this sitemap file's pages (WF5's commit); all of the domain's otherwise. */
  sitemapFileId?: number;
  /** Pages per job; default 25. */
  batchSize?: number;
  /**
   * How far apart to schedule the domain's batches, in ms (default 0: all at once). A site's
   * pages cannot be fetched faster than the fetch layer's per-host delay allows, so a second
   * batch of the same site started at once would only hold a worker slot while it waits; spaced,
   * the slots go to other sites meanwhile. Counted after the domain's live batches.
   */
  spacingMs?: number;
  logger?: Logger;
}

/**
 * Enqueues `contact_scan` jobs, in the caller's transaction, for the pending pages in scope
 * that no live `contact_scan` job covers yet, in batches of consecutive page ids; returns the
 * number of jobs created. Covered means listed in a pending or running job's `pageIds` (or
 * its `page_id`), so a re-run of WF5's commit or a manual retry adds no duplicate work.
 */
export async function enqueueContactScans(trx: Transaction<Database>, scope: ContactScanScope): Promise<number> {
  const batchSize = scope.batchSize ?? 25;
  // The live jobs' pages are read as rows and compared here, not in an anti-join: with fresh,
  // unanalysed jobs rows the planner chose a nested loop over the payloads' elements
  // (bench/pipeline/README.md, "Figures behind the stages' constants").
  const { rows: liveJobs } = await sql<{ page_id: number | null; page_ids: unknown }>`
    select j.page_id, j.payload -> 'pageIds' as page_ids
    from jobs j
    where j.domain_id = ${scope.domainId} and j.job_type = 'contact_scan' and j.status in ('pending', 'running')
  `.execute(trx);
  const covered = new Set<number>();
  for (const job of liveJobs) {
    if (job.page_id !== null) covered.add(Number(job.page_id));
    if (Array.isArray(job.page_ids)) for (const id of job.page_ids) covered.add(Number(id));
  }
  const { rows: pending } = await sql<{ id: number }>`
    select p.id from pages p
    where p.domain_id = ${scope.domainId}
      and p.contact_scan_status = 'pending'
      ${scope.sitemapFileId === undefined ? sql`` : sql`and p.sitemap_file_id = ${scope.sitemapFileId}`}
    order by p.id
  `.execute(trx);
  const rows = pending.filter((r) => !covered.has(Number(r.id)));
  const spacingMs = scope.spacingMs ?? 0;
  // New batches are scheduled after the domain's live ones.
  const queued = liveJobs.length;
  const specs: JobSpec[] = [];
  for (let i = 0; i < rows.length; i += batchSize) {
    const pageIds = rows.slice(i, i + batchSize).map((r) => r.id);
    const runAfterMs = (queued + specs.length) * spacingMs;
    specs.push({
      jobType: 'contact_scan',
      domainId: scope.domainId,
      pageId: pageIds[0],
      payload: { pageIds },
      runAfterMs,
    });
  }
  const created = await enqueueJobs(trx, specs);
  if (created < specs.length) {
    // Only a live contact_scan for the same first page can block one (jobs_one_active_per_input).
    scope.logger?.warn(
      { domainId: scope.domainId, wanted: specs.length, created },
      'some contact_scan batches were not enqueued: a live job holds the same key',
    );
  }
  return created;
}
