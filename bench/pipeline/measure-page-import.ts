import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Kysely, PostgresDialect, sql } from 'kysely';
import { pino } from 'pino';
import { createPgPool } from '../../src/db/pg-pool.js';
import type { Database, Job } from '../../src/db/schema.js';
import { parseConnectToList } from '../../src/fetch/connect-to.js';
import { HttpClient } from '../../src/fetch/http-client.js';
import { normalizePageUrl } from '../../src/parse/page-url.js';
import { claimJobs } from '../../src/pipeline/queue/claim-jobs.js';
import { completeJob } from '../../src/pipeline/queue/complete-job.js';
import { enqueueJobs } from '../../src/pipeline/queue/enqueue-jobs.js';
import {
  createPageImportStage,
  defaultInsertBatchSize,
  fetchLayerSitemapSource,
  type PageEntry,
  type SitemapEntrySource,
} from '../../src/pipeline/stages/page-import-stage.js';

const domain = 'import-bench.com';
const sitemapUrl = `http://${domain}/sitemap.xml`;
const workerId = 'bench-page-import';
const logger = pino({ level: 'silent' });

/** One variant's timings over the repeats. */
export interface ImportVariant {
  name: string;
  /** What the variant does, for the table. */
  what: string;
  /** Wall time of each repeat, ms. */
  ms: number[];
  /** Of it, the time its SQL statements took as the client saw them (round trip included), ms. */
  sqlMs: number[];
  /** Statements per repeat (begin and commit included). */
  statements: number;
}

export interface ImportFigures {
  urls: number;
  variants: ImportVariant[];
}

/** The entries of the 100,000-URL sitemap, built once before any clock starts. */
function generateEntries(urls: number): PageEntry[] {
  const lastmod = new Date('2025-11-14T09:00:00Z');
  return Array.from({ length: urls }, (_, i) => ({
    url: `http://${domain}/catalogue/item-${i + 1}`,
    lastmod,
    changefreq: 'weekly' as const,
    priority: 0.5,
  }));
}

/** The same entries as a urlset document (about 13 MB), for the variant that fetches and parses it. */
function urlsetDocument(entries: PageEntry[]): string {
  const body = entries
    .map(
      (e) =>
        `<url><loc>${e.url}</loc><lastmod>2025-11-14T09:00:00+00:00</lastmod><changefreq>weekly</changefreq><priority>0.5</priority></url>`,
    )
    .join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n${body}\n</urlset>\n`;
}

/** A SitemapEntrySource that yields the generated entries in batches, as the parser would. */
function generatedSource(entries: PageEntry[], batch = 1000): SitemapEntrySource {
  return {
    async open() {
      return {
        summary: { kind: 'urlset', skipped: 0, error: null },
        async *[Symbol.asyncIterator]() {
          for (let i = 0; i < entries.length; i += batch) yield entries.slice(i, i + batch);
        },
      };
    },
  };
}

/** An empty schema with one domain, its sitemap file and a claimed page_import job. */
async function freshJob(db: Kysely<Database>): Promise<{ job: Job; domainId: number; fileId: number }> {
  // pages named too: truncating domains alone empties pages with a delete (migration 0006), leaving dead rows.
  await sql`truncate domains, pages, jobs, job_events cascade`.execute(db);
  const { id: domainId } = await db
    .insertInto('domains')
    .values({ domain, sitemap_analysis_status: 'complete' })
    .returning('id')
    .executeTakeFirstOrThrow();
  const { id: fileId } = await db
    .insertInto('sitemap_files')
    .values({ domain_id: domainId, url: sitemapUrl, kind: 'urlset' })
    .returning('id')
    .executeTakeFirstOrThrow();
  await db
    .transaction()
    .execute((trx) => enqueueJobs(trx, [{ jobType: 'page_import', domainId, sitemapFileId: fileId }]));
  const [job] = await claimJobs(db, { workerId, jobTypes: ['page_import'], limit: 1, leaseSeconds: 600 });
  if (job === undefined) throw new Error('the page_import job was not claimed');
  // Fresh statistics, as autovacuum would have them for a table in use.
  await sql`analyze pages`.execute(db);
  return { job, domainId: Number(domainId), fileId: Number(fileId) };
}

/**
 * `insert … select from unnest(…) on conflict do nothing` of `rows`, in one statement; into
 * `pages`, or into a copy of it without indexes (then without `on conflict`, which needs one).
 */
async function bareInsert(
  db: Kysely<Database>,
  ids: { domainId: number; fileId: number },
  rows: PageEntry[],
  table: 'pages' | 'bench_pages_without_indexes' = 'pages',
) {
  await sql`
    insert into ${sql.table(table)} (domain_id, sitemap_file_id, url, lastmod, changefreq, priority)
    select ${ids.domainId}, ${ids.fileId}, t.url, t.lastmod, t.changefreq, t.priority
    from unnest(
      ${rows.map((r) => r.url)}::text[],
      ${rows.map((r) => r.lastmod?.toISOString() ?? null)}::timestamptz[],
      ${rows.map((r) => r.changefreq)}::text[],
      ${rows.map((r) => r.priority)}::real[]
    ) as t(url, lastmod, changefreq, priority)
    ${table === 'pages' ? sql`on conflict (domain_id, url) do nothing` : sql``}
  `.execute(db);
}

/** Adds up the duration of every statement a Kysely instance runs (its `log` hook). */
class StatementClock {
  ms = 0;
  statements = 0;
  readonly log = (event: { level: string; queryDurationMillis: number }) => {
    this.ms += event.queryDurationMillis;
    this.statements++;
  };
}

/** Serves one document at every path of 127.0.0.1:PORT. */
async function serveDocument(body: string) {
  const bytes = Buffer.from(body);
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/xml', 'content-length': bytes.length }).end(bytes);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { port: (server.address() as AddressInfo).port, close: () => new Promise((r) => server.close(r)) };
}

/**
 * WF5 alone on one sitemap file of `urls` URLs, `--max-urls` = `urls`, and what the same rows
 * cost without it, so that the difference says where the time goes:
 *
 * - bare unnest: the rows, already normalized, in statements of the stage's batch size, then in
 *   one statement: the floor the database sets; and into a copy of `pages` without its indexes:
 *   what the indexes cost;
 * - normalise: `normalizePageUrl` on every URL, no database: the stage's JavaScript per row;
 * - count: the `count(*)` of the domain's pages the stage runs before each batch (for the cap),
 *   at the full 100,000;
 * - page_import run(): the stage's streaming insert from generated entries (no fetch, no parse);
 * - page_import commit(): `url_count` and the contact_scan jobs for 100,000 pages, in the
 *   transaction that completes the job;
 * - page_import from loopback: run() with the production source, fetching and parsing the
 *   13 MB urlset from a local server.
 *
 * Every variant starts from an empty schema and runs `repeat` times, after one unrecorded warm-up round.
 */
export async function measurePageImport(url: string, o: { urls: number; repeat: number }): Promise<ImportFigures> {
  const entries = generateEntries(o.urls);
  // The production pool (int8 as numbers, prepared hot statements), with every statement timed.
  const clock = new StatementClock();
  const db = new Kysely<Database>({
    dialect: new PostgresDialect({ pool: createPgPool({ connectionString: url, max: 4 }) }),
    log: clock.log,
  });
  const variants: ImportVariant[] = [
    {
      name: 'bare unnest',
      what: `insert … select from unnest, ${defaultInsertBatchSize.toLocaleString('en-US')} rows per statement`,
      ms: [],
      sqlMs: [],
      statements: 0,
    },
    {
      name: 'bare unnest, 1 statement',
      what: `the same, all ${o.urls.toLocaleString('en-US')} rows at once`,
      ms: [],
      sqlMs: [],
      statements: 0,
    },
    {
      name: 'bare unnest, no indexes',
      what: 'the 5,000-row inserts into a copy of pages without its 5 indexes',
      ms: [],
      sqlMs: [],
      statements: 0,
    },
    { name: 'normalise', what: 'normalizePageUrl on every URL (JavaScript only)', ms: [], sqlMs: [], statements: 0 },
    {
      name: 'count',
      what: 'count(*) of the domain’s pages at full size (before every batch until migration 0007)',
      ms: [],
      sqlMs: [],
      statements: 0,
    },
    {
      name: 'page_import run()',
      what: 'the stage’s batched insert from generated entries',
      ms: [],
      sqlMs: [],
      statements: 0,
    },
    {
      name: 'page_import commit()',
      what: 'url_count + contact_scan jobs for every page, in one tx',
      ms: [],
      sqlMs: [],
      statements: 0,
    },
    {
      name: 'page_import from loopback',
      what: 'run() fetching and parsing the urlset from 127.0.0.1',
      ms: [],
      sqlMs: [],
      statements: 0,
    },
  ];
  // Round 0 warms up the JIT, the pool's connections and their prepared plans; it is not recorded.
  let warm = false;
  const time = async (name: string, fn: () => Promise<unknown>) => {
    const [sqlBefore, statementsBefore] = [clock.ms, clock.statements];
    const started = performance.now();
    await fn();
    const variant = variants.find((v) => v.name === name);
    if (!warm || variant === undefined) return;
    variant.ms.push(performance.now() - started);
    variant.sqlMs.push(clock.ms - sqlBefore);
    variant.statements = clock.statements - statementsBefore;
  };

  const document = await serveDocument(urlsetDocument(entries));
  const client = new HttpClient({
    connectTo: parseConnectToList([`${domain}::127.0.0.1:${document.port}`]),
    perHostDelayMs: 0,
  });
  try {
    for (let round = 0; round <= o.repeat; round++) {
      warm = round > 0;
      let ids = await freshJob(db);
      await time('bare unnest', async () => {
        for (let i = 0; i < entries.length; i += defaultInsertBatchSize) {
          await bareInsert(db, ids, entries.slice(i, i + defaultInsertBatchSize));
        }
      });
      ids = await freshJob(db);
      await time('bare unnest, 1 statement', () => bareInsert(db, ids, entries));
      await sql`drop table if exists bench_pages_without_indexes`.execute(db);
      await sql`create table bench_pages_without_indexes (like pages including defaults including identity)`.execute(
        db,
      );
      await time('bare unnest, no indexes', async () => {
        for (let i = 0; i < entries.length; i += defaultInsertBatchSize) {
          await bareInsert(db, ids, entries.slice(i, i + defaultInsertBatchSize), 'bench_pages_without_indexes');
        }
      });
      await time('count', () => sql`select count(*) from pages where domain_id = ${ids.domainId}`.execute(db));
      await time('normalise', async () => {
        for (const e of entries) normalizePageUrl(e.url, domain);
      });

      const fresh = await freshJob(db);
      const stage = createPageImportStage({ entries: generatedSource(entries), maxUrls: o.urls });
      const ctx = { db, signal: new AbortController().signal, logger };
      let result: Awaited<ReturnType<typeof stage.run>> | undefined;
      await time('page_import run()', async () => {
        result = await stage.run(fresh.job, ctx);
      });
      if (result?.inserted !== o.urls) throw new Error(`page_import inserted ${result?.inserted}, expected ${o.urls}`);
      const done = result;
      await time('page_import commit()', () =>
        db.transaction().execute(async (trx) => {
          await completeJob(trx, fresh.job, workerId);
          await stage.commit(fresh.job, done, { trx, workerId, logger });
        }),
      );

      const viaFetch = await freshJob(db);
      const fetching = createPageImportStage({ entries: fetchLayerSitemapSource(client), maxUrls: o.urls });
      let fetched: Awaited<ReturnType<typeof fetching.run>> | undefined;
      await time('page_import from loopback', async () => {
        fetched = await fetching.run(viaFetch.job, ctx);
      });
      if (fetched?.inserted !== o.urls)
        throw new Error(`page_import inserted ${fetched?.inserted}, expected ${o.urls}`);
    }
  } finally {
    await sql`drop table if exists bench_pages_without_indexes`.execute(db);
    await client.close();
    await document.close();
    await db.destroy();
  }
  return { urls: o.urls, variants };
}
