import { type Kysely, sql, type Transaction } from 'kysely';
import type { Database, Job, SitemapFile } from '../../db/schema.js';
import { coerceError } from '../../errors.js';
import { FetchError } from '../../fetch/fetch-error.js';
import type { HttpClient } from '../../fetch/http-client.js';
import { normalizePageUrl } from '../../parse/page-url.js';
import { SitemapReader } from '../../parse/sitemap-reader.js';
import { storableLastmod } from '../../parse/storable-lastmod.js';
import { PermanentJobError, type StageHandler } from '../stage.js';
import { enqueueContactScans } from './contact-scan-stage.js';
import { isDataError } from './is-data-error.js';

/**
 * One page entry of a sitemap document, as the sitemap parser yields it (its `SitemapEntry`
 * has this shape): the URL absolute, the fields validated or null.
 */
export interface PageEntry {
  url: string;
  lastmod: Date | null;
  changefreq: 'always' | 'hourly' | 'daily' | 'weekly' | 'monthly' | 'yearly' | 'never' | null;
  /** In [0, 1]. */
  priority: number | null;
}

/**
 * The entries of one sitemap document, in batches, read lazily: breaking out of the iteration
 * must stop the download (`SitemapReader` from src/parse/sitemap-reader.ts is one).
 */
export interface SitemapEntryBatches extends AsyncIterable<PageEntry[]> {
  /**
   * Entries the parser dropped (malformed `<loc>`) and why reading stopped early, final once
   * iteration has ended; `kind` as soon as the first bytes have decided it.
   */
  readonly summary?: Readonly<{ kind?: string | null; skipped: number; error: string | null }>;
}

/** Where WF5 gets a sitemap file's entries: in production, a fetch of `final_url ?? url` through a SitemapReader. */
export interface SitemapEntrySource {
  open(file: SitemapFile, signal: AbortSignal): Promise<SitemapEntryBatches>;
}

/** What WF5 needs; resolved once by `pipectl process`. */
export interface PageImportStageConfig {
  entries: SitemapEntrySource;
  /** Pages per domain, across all its sitemap files (`--max-urls`); default {@link defaultMaxUrls}. */
  maxUrls?: number;
  /** Pages per insert statement; default 5000. */
  insertBatchSize?: number;
  /** Pages per `contact_scan` job enqueued; default {@link defaultContactScanBatchSize}. */
  contactScanBatchSize?: number;
  /**
   * The fetch layer's per-host delay between request starts, in ms (default 0). A domain's
   * `contact_scan` batches are scheduled batch size × this apart: its pages cannot be fetched
   * faster, and the worker slots go to other sites meanwhile (see `enqueueContactScans`).
   */
  perHostDelayMs?: number;
}

/** What `run` learned; `commit` records it. */
export interface PageImportResult {
  domainId: number;
  sitemapFileId: number;
  /** Page entries read before reading stopped: the whole file, or up to the first page over the cap. Stored as `url_count`. */
  urlCount: number;
  /** Pages this run inserted (a re-run after a crash inserts none and is still complete). */
  inserted: number;
  /** Entries on another site, counted and reported, never imported. */
  offSite: number;
  /** Entries that are not http(s) page URLs, including those the parser dropped. */
  invalid: number;
  /** Entries PostgreSQL refused a value of (SQLSTATE class 22): skipped one by one, the rest imported. */
  refused: number;
  /** The first refused entry and why, for `sitemap_files.error`; null when none was. */
  refusedExample: string | null;
  /** Reading stopped because the domain reached its page cap. */
  capped: boolean;
  /** Why the document could not be read to its end (truncated), if it could not. */
  readError: string | null;
}

export const defaultMaxUrls = 1000;
/**
 * Rows per insert statement: fewer cost throughput, more gain nothing (measured:
 * bench/pipeline/README.md, "Figures behind the stages' constants").
 */
export const defaultInsertBatchSize = 5000;
/** The `contact_scan` batch size used when the config names none. */
export const defaultContactScanBatchSize = 25;

/** The sitemap kinds whose entries are pages; an index or an invalid document has no page_import. */
const pageListKinds = new Set(['urlset', 'text', 'rss', 'atom']);

interface PageRow {
  /** The entry's position among the file's page entries (1-based): where a cap cut it off. */
  seq: number;
  url: string;
  lastmod: string | null;
  changefreq: string | null;
  priority: number | null;
}

/**
 * WF5: imports one urlset-like sitemap file's pages (one job per file, keyed by `sitemap_file_id`).
 *
 * `run` inserts the file's pages in batches, idempotently (`on conflict do nothing`), at most
 * `maxUrls` per domain across all its files, and stops reading (or never downloads) once the
 * domain is full. `commit` records `url_count` and enqueues a `contact_scan` for every page of
 * the file still waiting for one, in the transaction that completes the job: so the pages a
 * crashed attempt inserted are scanned too, once its re-run commits.
 */
export function createPageImportStage(config: PageImportStageConfig): StageHandler<PageImportResult> {
  const maxUrls = config.maxUrls ?? defaultMaxUrls;
  const insertBatchSize = config.insertBatchSize ?? defaultInsertBatchSize;
  const scanBatchSize = config.contactScanBatchSize ?? defaultContactScanBatchSize;
  const scanSpacingMs = scanBatchSize * (config.perHostDelayMs ?? 0);
  return {
    jobType: 'page_import',

    async run(job, ctx) {
      const { file, domain } = await loadInput(ctx.db, job);
      const result: PageImportResult = {
        domainId: file.domain_id,
        sitemapFileId: file.id,
        urlCount: 0,
        inserted: 0,
        offSite: 0,
        invalid: 0,
        refused: 0,
        refusedExample: null,
        capped: false,
        readError: null,
      };
      // A domain already full from its other files: do not even download this one.
      if (await isDomainFullWithoutFile(ctx.db, file, maxUrls)) return { ...result, capped: true };

      // While one batch is being inserted, the next is read and normalized: the database and
      // JavaScript work side by side (two cores), and at most one insert is in flight. Only when
      // the batch cannot reach the cap, though: one that may reach it is waited for, so that
      // reading stops right there, as it would without the overlap.
      let rows: PageRow[] = [];
      let inserting: Promise<void> = Promise.resolve();
      /** Room left under the cap after the last insert (other workers may since have used some). */
      let knownRoom = -1;
      // One clock for the whole file: a lastmod more than a day past it is a placeholder.
      const now = Date.now();
      const startInsert = (): boolean => {
        const batch = rows;
        rows = [];
        // What was rejected up to this batch's end; entries read ahead of a cap do not count.
        const rejected = { offSite: result.offSite, invalid: result.invalid };
        const mayReachCap = knownRoom < batch.length;
        inserting = insertPagesSkippingRefused(ctx.db, file, batch, maxUrls, result).then(
          ({ inserted, cutAt, room }) => {
            result.inserted += inserted;
            knownRoom = room - inserted;
            if (cutAt !== null) {
              result.capped = true;
              result.urlCount = cutAt - 1;
              result.offSite = rejected.offSite;
              result.invalid = rejected.invalid;
            }
          },
        );
        // Awaited before the next insert, and in the finally below; until then, not "unhandled".
        inserting.catch(() => {});
        return mayReachCap;
      };

      const batches = await config.entries.open(file, ctx.signal);
      try {
        reading: for await (const batch of batches) {
          ctx.signal.throwIfAborted();
          assertListsPages(batches, file);
          for (const entry of batch) {
            if (result.capped) break reading;
            result.urlCount++;
            const page = normalizePageUrl(entry.url, domain);
            if (!page.ok) {
              if (page.reason === 'off_site') result.offSite++;
              else result.invalid++;
              continue;
            }
            rows.push({
              seq: result.urlCount,
              url: page.url,
              lastmod: storableLastmod(entry.lastmod, now),
              changefreq: entry.changefreq,
              priority: entry.priority,
            });
            if (rows.length >= insertBatchSize) {
              await inserting;
              // The cap filled: leaving the loop calls the reader's return(), which stops the download.
              if (result.capped) break reading;
              if (startInsert()) {
                await inserting;
                if (result.capped) break reading;
              }
            }
          }
        }
        assertListsPages(batches, file);
        await inserting;
        if (!result.capped && rows.length > 0) {
          startInsert();
          await inserting;
        }
      } finally {
        // Never leave a statement running after run() has ended, whatever ended it.
        await inserting.catch(() => {});
      }
      result.invalid += batches.summary?.skipped ?? 0;
      result.readError = batches.summary?.error ?? null;
      return result;
    },

    async commit(_job, result, ctx) {
      await ctx.trx
        .updateTable('sitemap_files')
        .set({ url_count: result.urlCount })
        .where('id', '=', result.sitemapFileId)
        .execute();
      if (result.readError !== null) await recordFileError(ctx.trx, result.sitemapFileId, result.readError);
      if (result.refusedExample !== null) {
        const what = result.refused === 1 ? '1 entry' : `${result.refused} entries`;
        await recordFileError(ctx.trx, result.sitemapFileId, `${what} skipped: ${result.refusedExample}`);
      }
      const scans = await enqueueContactScans(ctx.trx, {
        domainId: result.domainId,
        sitemapFileId: result.sitemapFileId,
        batchSize: scanBatchSize,
        spacingMs: scanSpacingMs,
        logger: ctx.logger,
      });
      ctx.logger.info(
        { ...result, contactScanJobs: scans },
        result.capped ? 'pages imported; domain page cap reached' : 'pages imported',
      );
    },

    async onFailed(job, error, ctx) {
      if (job.sitemap_file_id === null) return;
      await recordFileError(ctx.trx, job.sitemap_file_id, `page import failed: ${error}`);
      // Pages a failed import did insert are real pages: scan them rather than strand them as pending.
      const file = await ctx.trx
        .selectFrom('sitemap_files')
        .select('domain_id')
        .where('id', '=', job.sitemap_file_id)
        .executeTakeFirst();
      if (file === undefined) return;
      await enqueueContactScans(ctx.trx, {
        domainId: file.domain_id,
        sitemapFileId: job.sitemap_file_id,
        batchSize: scanBatchSize,
        spacingMs: scanSpacingMs,
        logger: ctx.logger,
      });
    },
  };
}

/**
 * WF5's entry source on the fetch layer: downloads the file again (`final_url`, else `url`)
 * through the HttpClient (SSRF guard, timeouts, gzip, size cap) and parses it as it streams in
 * with a SitemapReader, so a cap that stops reading also stops the download. A 4xx other than
 * 408/429, or a fetch failure that a retry cannot fix, fails the job at once.
 */
export function fetchLayerSitemapSource(client: HttpClient): SitemapEntrySource {
  return {
    async open(file, signal) {
      const url = file.final_url ?? file.url;
      let response: Awaited<ReturnType<HttpClient['fetch']>>;
      try {
        response = await client.fetch(url, {
          signal,
          accept: 'application/xml, text/xml;q=0.9, text/plain;q=0.8, */*;q=0.5',
        });
      } catch (err) {
        if (err instanceof FetchError && err.permanent) throw new PermanentJobError(err.message, { cause: err });
        throw err;
      }
      if (!response.ok) {
        response.close();
        const message = `HTTP ${response.status} for ${url}`;
        const retryable = response.status >= 500 || response.status === 408 || response.status === 429;
        throw retryable ? new Error(message) : new PermanentJobError(message);
      }
      return new SitemapReader(response);
    },
  };
}

/** The file changed since WF4 read it and now lists sitemaps (an index), or nothing (invalid): not pages. */
function assertListsPages(batches: SitemapEntryBatches, file: SitemapFile): void {
  const kind = batches.summary?.kind;
  if (kind === 'index' || kind === 'invalid') {
    throw new PermanentJobError(`${file.final_url ?? file.url} is now a ${kind} document, which lists no pages`);
  }
}

async function loadInput(db: Kysely<Database>, job: Job): Promise<{ file: SitemapFile; domain: string }> {
  if (job.sitemap_file_id === null) throw new PermanentJobError('page_import job has no sitemap_file_id');
  const file = await db
    .selectFrom('sitemap_files')
    .selectAll()
    .where('id', '=', job.sitemap_file_id)
    .executeTakeFirst();
  if (file === undefined) throw new PermanentJobError(`sitemap file ${job.sitemap_file_id} does not exist`);
  if (!pageListKinds.has(file.kind)) {
    throw new PermanentJobError(`sitemap file ${file.id} is a ${file.kind} document, which lists no pages`);
  }
  const domain = await db.selectFrom('domains').select('domain').where('id', '=', file.domain_id).executeTakeFirst();
  if (domain === undefined) throw new PermanentJobError(`domain ${file.domain_id} does not exist`);
  return { file, domain: domain.domain };
}

/** Whether the domain has its `maxUrls` pages and none came from this file (so no re-run can differ). */
async function isDomainFullWithoutFile(db: Kysely<Database>, file: SitemapFile, maxUrls: number): Promise<boolean> {
  const { rows } = await sql<{ full: boolean }>`
    select coalesce((select pages from domain_page_counts where domain_id = ${file.domain_id}), 0) >= ${maxUrls}
      and not exists (select 1 from pages where sitemap_file_id = ${file.id}) as full
  `.execute(db);
  return rows[0]?.full === true;
}

/** Keeps the first error recorded on a sitemap file (WF4's fetch error outranks a later one). */
async function recordFileError(trx: Transaction<Database>, sitemapFileId: number, error: string): Promise<void> {
  await trx
    .updateTable('sitemap_files')
    .set({ error: sql<string>`coalesce(error, ${error})` })
    .where('id', '=', sitemapFileId)
    .execute();
}

/**
 * Inserts a batch with {@link insertPages}; when PostgreSQL refuses a value in it (SQLSTATE class
 * 22, which JavaScript validation should already have kept out), inserts its halves apart, down to
 * the one entry, which is skipped and counted in `refused`. One bad entry costs about 2·log2(batch)
 * extra statements, and never the file: a retry would fail the same way.
 */
async function insertPagesSkippingRefused(
  db: Kysely<Database>,
  file: SitemapFile,
  rows: PageRow[],
  maxUrls: number,
  refused: Pick<PageImportResult, 'refused' | 'refusedExample'>,
): Promise<{ inserted: number; cutAt: number | null; room: number }> {
  try {
    return await insertPages(db, file, rows, maxUrls);
  } catch (err) {
    if (!isDataError(err)) throw err;
    const [only] = rows;
    if (rows.length === 1 && only !== undefined) {
      refused.refused++;
      refused.refusedExample ??= `${only.url}: ${coerceError(err).message}`;
      return { inserted: 0, cutAt: null, room: -1 };
    }
    const mid = rows.length >>> 1;
    const first = await insertPagesSkippingRefused(db, file, rows.slice(0, mid), maxUrls, refused);
    if (first.cutAt !== null) return first;
    const second = await insertPagesSkippingRefused(db, file, rows.slice(mid), maxUrls, refused);
    return {
      inserted: first.inserted + second.inserted,
      cutAt: second.cutAt,
      room: first.room >= 0 ? first.room : second.room,
    };
  }
}

/**
 * Inserts one batch of a file's pages, within the domain's page cap, and returns how many it
 * inserted, the `seq` of the first new page that did not fit (null if all fitted), and the room
 * the cap left before this batch.
 *
 * The cap is counted across all of the domain's sitemap files, which other workers import at
 * the same time; so each batch runs in a short transaction that first locks the domain row
 * (`for no key update`, which does not block the foreign-key checks of concurrent inserts into
 * pages and contacts), then counts and inserts. Pages already present (from another file, or
 * from this job's crashed attempt) do not use up the cap: a re-run therefore stops at the same
 * entry as the first run, and `url_count` comes out the same.
 *
 * SQL per batch: the lock, the domain's page count (`domain_page_counts`), and one `insert …
 * select from unnest(…) … on conflict (domain_id, url) do nothing`; only a batch that may cross
 * the cap ranks its new rows first.
 */
async function insertPages(
  db: Kysely<Database>,
  file: SitemapFile,
  rows: PageRow[],
  maxUrls: number,
): Promise<{ inserted: number; cutAt: number | null; room: number }> {
  const unique = new Map<string, PageRow>();
  for (const row of rows) if (!unique.has(row.url)) unique.set(row.url, row);
  const batch = [...unique.values()];
  if (batch.length === 0) return { inserted: 0, cutAt: null, room: -1 };
  const columns = sql`unnest(
    ${batch.map((r) => r.url)}::text[],
    ${batch.map((r) => r.lastmod)}::timestamptz[],
    ${batch.map((r) => r.changefreq)}::text[],
    ${batch.map((r) => r.priority)}::real[],
    ${batch.map((r) => r.seq)}::int[]
  ) as t(url, lastmod, changefreq, priority, seq)`;
  return db.transaction().execute(async (trx) => {
    await sql`select 1 from domains where id = ${file.domain_id} for no key update`.execute(trx);
    // Kept by the pages triggers (migration 0007): one row, however many pages the domain has.
    const { rows: counted } = await sql<{ n: number }>`
      select coalesce((select pages from domain_page_counts where domain_id = ${file.domain_id}), 0)::int as n
    `.execute(trx);
    const room = Math.max(maxUrls - (counted[0]?.n ?? 0), 0);
    if (batch.length <= room) {
      // Far from the cap, every row fits whatever is new: a plain insert, with no ranking.
      const result = await sql`
        insert into pages (domain_id, sitemap_file_id, url, lastmod, changefreq, priority)
        select ${file.domain_id}, ${file.id}, t.url, t.lastmod, t.changefreq, t.priority from ${columns}
        order by t.seq
        on conflict (domain_id, url) do nothing
      `.execute(trx);
      return { inserted: Number(result.numAffectedRows ?? 0n), cutAt: null, room };
    }
    // Near the cap: rank the rows not yet imported, insert those that fit, report the first that does not.
    const { rows: out } = await sql<{ inserted: number; cut_at: number | null }>`
      with fresh as (
        select t.*, row_number() over (order by t.seq) as rank
        from ${columns}
        where not exists (select 1 from pages p where p.domain_id = ${file.domain_id} and p.url = t.url)
      ), ins as (
        insert into pages (domain_id, sitemap_file_id, url, lastmod, changefreq, priority)
        select ${file.domain_id}, ${file.id}, f.url, f.lastmod, f.changefreq, f.priority
        from fresh f
        where f.rank <= ${room}
        order by f.seq
        on conflict (domain_id, url) do nothing
        returning 1
      )
      select
        (select count(*)::int from ins) as inserted,
        (select min(f.seq)::int from fresh f where f.rank > ${room}) as cut_at
    `.execute(trx);
    return { inserted: out[0]?.inserted ?? 0, cutAt: out[0]?.cut_at ?? null, room };
  });
}
