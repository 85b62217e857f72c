import type { Kysely } from 'kysely';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../../../src/db/schema.js';
import { PermanentJobError } from '../../../src/pipeline/stage.js';
import {
  createPageImportStage,
  type PageEntry,
  type SitemapEntrySource,
} from '../../../src/pipeline/stages/page-import-stage.js';
import { backends, useTestDatabase } from '../../helpers/databases.js';
import { emptyTables } from '../../helpers/rows.js';
import { claimAll, commitOnly, requeue, runOnly, runPendingJobs, silentLogger } from './run-stage-job.js';
import { seedFile } from './seed-file.js';
import { entry, memoryEntrySource } from './stage-doubles.js';

const pagesOf = (db: Kysely<Database>, domainId: number) =>
  db
    .selectFrom('pages')
    .select(['id', 'url', 'sitemap_file_id', 'lastmod', 'changefreq', 'priority', 'contact_scan_status'])
    .where('domain_id', '=', domainId)
    .orderBy('id')
    .execute();

const scanJobsOf = (db: Kysely<Database>, domainId: number) =>
  db
    .selectFrom('jobs')
    .select(['page_id', 'payload', 'status'])
    .where('job_type', '=', 'contact_scan')
    .where('domain_id', '=', domainId)
    .orderBy('page_id')
    .execute();

const fileRow = (db: Kysely<Database>, id: number) =>
  db.selectFrom('sitemap_files').select(['url_count', 'error']).where('id', '=', id).executeTakeFirstOrThrow();

const urls = (prefix: string, from: number, to: number): PageEntry[] =>
  Array.from({ length: to - from + 1 }, (_, i) => entry(`${prefix}${from + i}`));

/** A sitemap source whose connection resets after these batches. */
const resetAfter = (batches: PageEntry[][]): SitemapEntrySource => ({
  async open() {
    return {
      async *[Symbol.asyncIterator]() {
        yield* batches;
        throw new Error('connection reset while reading the sitemap');
      },
    };
  },
});

describe.each(backends)('the page_import stage on $name', ({ name, skip }) => {
  describe.skipIf(skip)(name, () => {
    const t = useTestDatabase(name);

    beforeEach(async () => {
      await emptyTables(t.db);
    });

    describe('a sitemap with fields, duplicates, off-site and invalid entries', () => {
      const sitemap = 'https://www.muster.de/sitemap.xml';
      const source = memoryEntrySource(
        {
          [sitemap]: [
            entry('https://www.muster.de/', {
              lastmod: new Date('2024-01-15T10:00:00Z'),
              changefreq: 'daily',
              priority: 1,
            }),
            entry('https://www.muster.de/kontakt', { priority: 0.5 }),
            entry('https://www.muster.de/kontakt#formular'),
            entry('https://shop.muster.de/produkte?seite=2', { changefreq: 'weekly', priority: 0.25 }),
            entry('https://MUSTER.de/impressum', { lastmod: new Date('2023-06-01T00:00:00Z') }),
            entry('https://andere-firma.de/partner'),
            entry('ftp://www.muster.de/datei'),
            entry('https://www.muster.de/'),
          ],
        },
        { chunk: 3, skipped: 2 },
      );
      const stage = createPageImportStage({ entries: source, contactScanBatchSize: 3 });

      it('imports each on-site page once with its fields, and enqueues its contact scans', async () => {
        const { domainId, fileId } = await seedFile(t.db, 'www.muster.de', sitemap);
        const [done] = await runPendingJobs(t.db, stage);
        expect(done?.result).toEqual({
          domainId,
          sitemapFileId: fileId,
          urlCount: 8,
          inserted: 4,
          offSite: 1,
          invalid: 3, // the ftp: entry, and the 2 the parser dropped
          refused: 0,
          refusedExample: null,
          capped: false,
          readError: null,
        });

        const pages = await pagesOf(t.db, domainId);
        expect(pages.map(({ id: _id, ...rest }) => rest)).toEqual([
          {
            url: 'https://www.muster.de/',
            sitemap_file_id: fileId,
            lastmod: new Date('2024-01-15T10:00:00Z'),
            changefreq: 'daily',
            priority: 1,
            contact_scan_status: 'pending',
          },
          {
            url: 'https://www.muster.de/kontakt',
            sitemap_file_id: fileId,
            lastmod: null,
            changefreq: null,
            priority: 0.5,
            contact_scan_status: 'pending',
          },
          {
            url: 'https://shop.muster.de/produkte?seite=2',
            sitemap_file_id: fileId,
            lastmod: null,
            changefreq: 'weekly',
            priority: 0.25,
            contact_scan_status: 'pending',
          },
          {
            url: 'https://muster.de/impressum',
            sitemap_file_id: fileId,
            lastmod: new Date('2023-06-01T00:00:00Z'),
            changefreq: null,
            priority: null,
            contact_scan_status: 'pending',
          },
        ]);
        expect(await fileRow(t.db, fileId)).toEqual({ url_count: 8, error: null });

        const ids = pages.map((p) => p.id);
        expect(await scanJobsOf(t.db, domainId)).toEqual([
          { page_id: ids[0], payload: { pageIds: ids.slice(0, 3) }, status: 'pending' },
          { page_id: ids[3], payload: { pageIds: ids.slice(3) }, status: 'pending' },
        ]);
        const job = await t.db.selectFrom('jobs').select('status').where('sitemap_file_id', '=', fileId).execute();
        expect(job).toEqual([{ status: 'complete' }]);
      });

      it('re-running the completed job (jobs retry) creates no duplicate pages or scans', async () => {
        const { domainId, fileId } = await seedFile(t.db, 'www.muster.de', sitemap);
        const [first] = await runPendingJobs(t.db, stage);
        const pagesBefore = await pagesOf(t.db, domainId);
        const scansBefore = await scanJobsOf(t.db, domainId);

        await requeue(t.db, [first?.job.job_id ?? '']);
        const [again] = await runPendingJobs(t.db, stage);
        expect(again?.result).toMatchObject({ urlCount: 8, inserted: 0, offSite: 1 });
        expect(await pagesOf(t.db, domainId)).toEqual(pagesBefore);
        expect(await scanJobsOf(t.db, domainId)).toEqual(scansBefore);
        expect(await fileRow(t.db, fileId)).toEqual({ url_count: 8, error: null });
      });

      it('a crash after the inserts but before the commit: the re-run enqueues the scans', async () => {
        const { domainId, fileId } = await seedFile(t.db, 'www.muster.de', sitemap);
        const [job] = await claimAll(t.db, 'page_import');
        if (job === undefined) throw new Error('no job claimed');
        await runOnly(t.db, stage, job); // the worker dies here
        expect(await pagesOf(t.db, domainId)).toHaveLength(4);
        expect(await scanJobsOf(t.db, domainId)).toEqual([]);
        expect(await fileRow(t.db, fileId)).toEqual({ url_count: null, error: null });

        await requeue(t.db, [job.job_id]); // the lease expires and the job is rescued
        const [again] = await runPendingJobs(t.db, stage);
        expect(again?.result).toMatchObject({ inserted: 0, urlCount: 8 });
        const pages = await pagesOf(t.db, domainId);
        expect(pages).toHaveLength(4);
        const scans = await scanJobsOf(t.db, domainId);
        expect(scans.flatMap((s) => (s.payload as { pageIds: number[] }).pageIds)).toEqual(pages.map((p) => p.id));
        expect(await fileRow(t.db, fileId)).toEqual({ url_count: 8, error: null });
      });
    });

    describe('the max-urls cap', () => {
      const a = 'https://cap.de/sitemap-a.xml';
      const b = 'https://cap.de/sitemap-b.xml';
      const c = 'https://cap.de/sitemap-c.xml';
      const documents = {
        [a]: urls('https://cap.de/a/', 1, 30),
        // Its first 5 entries are already imported from A: they do not use up the cap.
        [b]: [...urls('https://cap.de/a/', 26, 30), ...urls('https://cap.de/b/', 1, 25)],
        [c]: urls('https://cap.de/c/', 1, 5),
      };

      it('counts all of a domain’s files, stops reading at the cap, and skips a full domain’s files', async () => {
        const source = memoryEntrySource(documents, { chunk: 5 });
        const stage = createPageImportStage({
          entries: source,
          maxUrls: 40,
          insertBatchSize: 10,
          contactScanBatchSize: 100,
        });
        const { domainId, fileId: fileA } = await seedFile(t.db, 'cap.de', a);
        await runPendingJobs(t.db, stage);
        const { fileId: fileB } = await seedFile(t.db, 'cap.de', b);
        const [runB] = await runPendingJobs(t.db, stage);
        expect(runB?.result).toMatchObject({ inserted: 10, capped: true, urlCount: 15 });
        // B's reader was left after the second insert batch (20 of 30 entries), not read to the end.
        expect(source.pulled.get(b)).toBe(20);

        const { fileId: fileC } = await seedFile(t.db, 'cap.de', c);
        const [runC] = await runPendingJobs(t.db, stage);
        expect(runC?.result).toMatchObject({ inserted: 0, capped: true, urlCount: 0 });
        expect(source.opened).toEqual([a, b]); // C was never downloaded

        const pages = await pagesOf(t.db, domainId);
        expect(pages).toHaveLength(40);
        expect(pages.filter((p) => p.sitemap_file_id === fileA).map((p) => p.url)).toEqual(
          urls('https://cap.de/a/', 1, 30).map((e) => e.url),
        );
        expect(pages.filter((p) => p.sitemap_file_id === fileB).map((p) => p.url)).toEqual(
          urls('https://cap.de/b/', 1, 10).map((e) => e.url),
        );
        expect(await fileRow(t.db, fileA)).toEqual({ url_count: 30, error: null });
        expect(await fileRow(t.db, fileB)).toEqual({ url_count: 15, error: null });
        expect(await fileRow(t.db, fileC)).toEqual({ url_count: 0, error: null });

        // A re-run of B stops at the same entry: no page is added and url_count is unchanged.
        await requeue(t.db, [runB?.job.job_id ?? '']);
        const [rerunB] = await runPendingJobs(t.db, stage);
        expect(rerunB?.result).toMatchObject({ inserted: 0, capped: true, urlCount: 15 });
        expect(await pagesOf(t.db, domainId)).toEqual(pages);
        expect(await fileRow(t.db, fileB)).toEqual({ url_count: 15, error: null });

        // Every imported page has exactly one contact scan waiting for it.
        const scans = await scanJobsOf(t.db, domainId);
        const scanned = scans.flatMap((s) => (s.payload as { pageIds: number[] }).pageIds);
        expect(scanned.sort((x, y) => x - y)).toEqual(pages.map((p) => p.id));
      });

      it('defaults to 1000 pages per domain', async () => {
        const big = 'https://big.de/sitemap.xml';
        const source = memoryEntrySource({ [big]: urls('https://big.de/p/', 1, 1200) }, { chunk: 500 });
        const stage = createPageImportStage({ entries: source, contactScanBatchSize: 1000 });
        const { domainId } = await seedFile(t.db, 'big.de', big);
        const [done] = await runPendingJobs(t.db, stage);
        expect(done?.result).toMatchObject({ inserted: 1000, capped: true, urlCount: 1000 });
        expect(await pagesOf(t.db, domainId)).toHaveLength(1000);
      });

      it('holds when several files of a domain are imported at once', async () => {
        const files = Object.fromEntries(
          [1, 2, 3, 4].map((n) => [`https://race.de/s${n}.xml`, urls(`https://race.de/s${n}/`, 1, 50)]),
        );
        const source = memoryEntrySource(files, { chunk: 10 });
        const stage = createPageImportStage({ entries: source, maxUrls: 120, insertBatchSize: 10 });
        let domainId = 0;
        for (const url of Object.keys(files)) domainId = (await seedFile(t.db, 'race.de', url)).domainId;
        const jobs = await claimAll(t.db, 'page_import');
        expect(jobs).toHaveLength(4);
        const results = await Promise.all(jobs.map((job) => runOnly(t.db, stage, job)));
        for (const [i, job] of jobs.entries()) await commitOnly(t.db, stage, job, results[i]);
        expect(results.reduce((n, r) => n + r.inserted, 0)).toBe(120);
        expect(await pagesOf(t.db, domainId)).toHaveLength(120);
      });
    });

    describe('values PostgreSQL cannot store', () => {
      it('stores a lastmod of year 0, before year 1 or years ahead as null and imports every page', async () => {
        const url = 'https://xn--bcher-kva.de/sitemap.xml';
        const lastmods = [
          '0000-01-01T00:00:00Z',
          '-000100-06-01T00:00:00Z',
          '9999-12-31T23:59:59Z',
          '2025-03-01T00:00:00Z',
        ];
        const entries = Array.from({ length: 15 }, (_, i) =>
          entry(`https://xn--bcher-kva.de/p/${i}`, { lastmod: new Date(lastmods[i % 4] as string) }),
        );
        const stage = createPageImportStage({ entries: memoryEntrySource({ [url]: entries }) });
        const { domainId, fileId } = await seedFile(t.db, 'xn--bcher-kva.de', url);
        const [done] = await runPendingJobs(t.db, stage);
        expect(done?.result).toMatchObject({ urlCount: 15, inserted: 15, refused: 0 });
        const pages = await pagesOf(t.db, domainId);
        expect(pages.map((p) => p.lastmod?.toISOString() ?? null)).toEqual(
          Array.from({ length: 15 }, (_, i) => (i % 4 === 3 ? '2025-03-01T00:00:00.000Z' : null)),
        );
        expect(await fileRow(t.db, fileId)).toEqual({ url_count: 15, error: null });
      });

      it('skips only the entry whose value PostgreSQL refuses (SQLSTATE 22), says which, and imports the rest', async () => {
        // A priority no `real` can hold gets past the stage's own checks: the database refuses it.
        const url = 'https://ueberlauf.de/sitemap.xml';
        const entries = urls('https://ueberlauf.de/p/', 1, 9);
        entries[4] = entry('https://ueberlauf.de/p/5', { priority: 1e39 });
        const stage = createPageImportStage({ entries: memoryEntrySource({ [url]: entries }), insertBatchSize: 4 });
        const { domainId, fileId } = await seedFile(t.db, 'ueberlauf.de', url);
        const [done] = await runPendingJobs(t.db, stage);
        expect(done?.result).toMatchObject({ urlCount: 9, inserted: 8, refused: 1 });
        expect((await pagesOf(t.db, domainId)).map((p) => p.url)).toEqual(
          [1, 2, 3, 4, 6, 7, 8, 9].map((n) => `https://ueberlauf.de/p/${n}`),
        );
        expect((await fileRow(t.db, fileId)).error).toMatch(
          /^1 entry skipped: https:\/\/ueberlauf\.de\/p\/5: .*out of range/,
        );
        const jobs = await t.db.selectFrom('jobs').select('status').where('sitemap_file_id', '=', fileId).execute();
        expect(jobs).toEqual([{ status: 'complete' }]);
      });
    });

    describe('failures', () => {
      it('refuses an index or invalid document at once', async () => {
        const stage = createPageImportStage({ entries: memoryEntrySource({}) });
        await seedFile(t.db, 'index.de', 'https://index.de/sitemap_index.xml', 'index');
        const [job] = await claimAll(t.db, 'page_import');
        if (job === undefined) throw new Error('no job claimed');
        await expect(runOnly(t.db, stage, job)).rejects.toThrow(PermanentJobError);
        await expect(runOnly(t.db, stage, job)).rejects.toThrow(/is a index document, which lists no pages/);
      });

      it('records a truncated document and imports what it could read', async () => {
        const url = 'https://kaputt.de/sitemap.xml';
        const source = memoryEntrySource(
          { [url]: urls('https://kaputt.de/p/', 1, 3) },
          { error: 'truncated: the document ended inside <url>' },
        );
        const stage = createPageImportStage({ entries: source });
        const { domainId, fileId } = await seedFile(t.db, 'kaputt.de', url);
        await runPendingJobs(t.db, stage);
        expect(await pagesOf(t.db, domainId)).toHaveLength(3);
        expect(await fileRow(t.db, fileId)).toEqual({
          url_count: 3,
          error: 'truncated: the document ended inside <url>',
        });
      });

      it('a read error while a batch is being inserted: run() ends only after that insert', async () => {
        // Far from the cap, batch 2 is inserted while batch 3 is read; batch 3 fails to read.
        const url = 'https://parallel.de/sitemap.xml';
        const stage = createPageImportStage({
          maxUrls: 1000,
          insertBatchSize: 2,
          entries: resetAfter([urls('https://parallel.de/p/', 1, 2), urls('https://parallel.de/p/', 3, 4)]),
        });
        const { domainId } = await seedFile(t.db, 'parallel.de', url);
        const [job] = await claimAll(t.db, 'page_import');
        if (job === undefined) throw new Error('no job claimed');
        await expect(runOnly(t.db, stage, job)).rejects.toThrow('connection reset');
        expect((await pagesOf(t.db, domainId)).map((p) => p.url)).toEqual(
          urls('https://parallel.de/p/', 1, 4).map((e) => e.url),
        );
      });

      it('after the last attempt, records the error and still scans the pages it did import', async () => {
        const url = 'https://wackel.de/sitemap.xml';
        const stage = createPageImportStage({
          insertBatchSize: 2,
          entries: resetAfter([urls('https://wackel.de/p/', 1, 3)]),
        });
        const { domainId, fileId } = await seedFile(t.db, 'wackel.de', url);
        const [job] = await claimAll(t.db, 'page_import');
        if (job === undefined) throw new Error('no job claimed');
        await expect(runOnly(t.db, stage, job)).rejects.toThrow('connection reset');
        await t.db.transaction().execute(async (trx) => {
          await stage.onFailed?.(job, 'connection reset while reading the sitemap', {
            trx,
            workerId: 'w',
            logger: silentLogger,
          });
        });
        const pages = await pagesOf(t.db, domainId);
        expect(pages.map((p) => p.url)).toEqual(['https://wackel.de/p/1', 'https://wackel.de/p/2']);
        expect(await fileRow(t.db, fileId)).toEqual({
          url_count: null,
          error: 'page import failed: connection reset while reading the sitemap',
        });
        expect(await scanJobsOf(t.db, domainId)).toEqual([
          { page_id: pages[0]?.id, payload: { pageIds: pages.map((p) => p.id) }, status: 'pending' },
        ]);
      });
    });
  });
});
