import { type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../../../src/db/schema.js';
import { createContactScanStage, enqueueContactScans } from '../../../src/pipeline/stages/contact-scan-stage.js';
import { type FixtureServer, startFixtureSites } from '../../fixtures/site-server.js';
import { backends, useTestDatabase } from '../../helpers/databases.js';
import { emptyTables } from '../../helpers/rows.js';
import { claimAll, commitOnly, requeue, runOnly, runPendingJobs, silentLogger } from './run-stage-job.js';
import { loopbackFetcher, robotsTxtPolicy } from './stage-doubles.js';

const userAgent = 'pipectl-test';
const page = (body: string) => ({ body: `<!doctype html><html><body>${body}</body></html>` });
/** Cloudflare-protected "presse@muster.de", key 0x3c, encoded for this test with an independent encoder (Python). */
const cfPresse = '3c4c4e594f4f597c51494f48594e125859';

/** The fixture site: one domain's pages with contacts in each form, decoys, and pages that cannot be scanned. */
const sites = {
  'www.muster.de': {
    '/robots.txt': { type: 'text/plain', body: `User-agent: *\nDisallow: /intern/\n` },
    '/kontakt': page(`<h1>Kontakt</h1>
      <p>Tel.: <a href="tel:+49301234567">030 123 45 67</a> · Fax: +49 30 1234568</p>
      <p><a href="mailto:info@muster.de?subject=Anfrage">Schreiben Sie uns</a></p>
      <p>Vertrieb: vertrieb [at] muster [dot] de</p>`),
    '/impressum': page(`<p>E-Mail: info&#64;muster.de · Mobil: 0151 23456789</p>
      <p>Presse: <a href="/cdn-cgi/l/email-protection" class="__cf_email__" data-cfemail="${cfPresse}">[email&#160;protected]</a></p>`),
    '/karriere': page(`<p>Bewerbungen an jobs(at)muster.de</p>
      <img src="/img/team@2x.png" alt="team@2x.png"><p>Beispiel: max.mustermann@example.com</p>
      <script>var dsn = "https://abc123@o1.ingest.sentry.io/1";</script>
      <p>Stand 2024-01-15, Version 3.2.1, Bestellnummer 20240115-0042, Server 192.168.1.10</p>`),
    '/intern/team': page('<p>geheim@muster.de</p>'),
    '/preise.pdf': { type: 'application/pdf', body: '%PDF-1.4 preise@muster.de' },
    '/wartung': { status: 503, body: 'down for maintenance' },
  },
};

async function seedPages(db: Kysely<Database>, domain: string, paths: string[]) {
  const { id: domainId } = await db
    .insertInto('domains')
    .values({ domain, sitemap_analysis_status: 'complete' })
    .returning('id')
    .executeTakeFirstOrThrow();
  const pages = await db
    .insertInto('pages')
    .values(paths.map((p) => ({ domain_id: domainId, url: `https://${domain}${p}` })))
    .returning(['id', 'url'])
    .execute();
  const idOf = Object.fromEntries(pages.map((p) => [new URL(p.url).pathname, p.id]));
  return { domainId, idOf };
}

describe.each(backends)('the contact_scan stage on $name', ({ name, skip }) => {
  describe.skipIf(skip)(name, () => {
    const t = useTestDatabase(name);
    let server: FixtureServer;
    const stage = () => {
      const fetcher = loopbackFetcher(server.port);
      return createContactScanStage({ fetcher, robots: robotsTxtPolicy(fetcher, userAgent), pageConcurrency: 2 });
    };
    const pageRows = (domainId: number) =>
      t.db
        .selectFrom('pages')
        .select(['url', 'contact_scan_status', 'contact_scan_error'])
        .where('domain_id', '=', domainId)
        .orderBy('id')
        .execute();
    const contactRows = (domainId: number) =>
      t.db
        .selectFrom('contacts')
        .innerJoin('pages', 'pages.id', 'contacts.page_id')
        .select(['contacts.kind', 'contacts.value', 'pages.url as first_seen_on'])
        .where('contacts.domain_id', '=', domainId)
        .orderBy('contacts.kind')
        .orderBy('contacts.value')
        .execute();

    beforeAll(async () => {
      server = await startFixtureSites(sites);
    });
    afterAll(async () => {
      await server.close();
    });
    beforeEach(async () => {
      await emptyTables(t.db);
      server.requests.length = 0;
    });

    const allPaths = ['/kontakt', '/impressum', '/karriere', '/intern/team', '/preise.pdf', '/fehlt', '/wartung'];
    const expectedContacts = [
      { kind: 'email', value: 'info@muster.de', first_seen_on: 'https://www.muster.de/kontakt' },
      { kind: 'email', value: 'jobs@muster.de', first_seen_on: 'https://www.muster.de/karriere' },
      { kind: 'email', value: 'presse@muster.de', first_seen_on: 'https://www.muster.de/impressum' },
      { kind: 'email', value: 'vertrieb@muster.de', first_seen_on: 'https://www.muster.de/kontakt' },
      { kind: 'phone', value: '+4915123456789', first_seen_on: 'https://www.muster.de/impressum' },
      { kind: 'phone', value: '+49301234567', first_seen_on: 'https://www.muster.de/kontakt' },
    ];

    /** The pages and their scans; one attempt per job, so that a 503 page is recorded at once. */
    async function seedAndEnqueue(batchSize = 25) {
      const seeded = await seedPages(t.db, 'www.muster.de', allPaths);
      await t.db
        .transaction()
        .execute((trx) => enqueueContactScans(trx, { domainId: seeded.domainId, batchSize, logger: silentLogger }));
      await t.db.updateTable('jobs').set({ max_attempts: 1 }).execute();
      return seeded;
    }

    it('records every page’s outcome and the domain’s contacts, each with the page it was first seen on', async () => {
      const { domainId } = await seedAndEnqueue();
      const [done] = await runPendingJobs(t.db, stage());
      expect(done?.job.payload).toEqual({ pageIds: expect.any(Array) });

      expect(await pageRows(domainId)).toEqual([
        { url: 'https://www.muster.de/kontakt', contact_scan_status: 'complete', contact_scan_error: null },
        { url: 'https://www.muster.de/impressum', contact_scan_status: 'complete', contact_scan_error: null },
        { url: 'https://www.muster.de/karriere', contact_scan_status: 'complete', contact_scan_error: null },
        {
          url: 'https://www.muster.de/intern/team',
          contact_scan_status: 'skipped',
          contact_scan_error: `disallowed by robots.txt for ${userAgent}`,
        },
        {
          url: 'https://www.muster.de/preise.pdf',
          contact_scan_status: 'skipped',
          contact_scan_error: 'not an HTML page (application/pdf)',
        },
        { url: 'https://www.muster.de/fehlt', contact_scan_status: 'error', contact_scan_error: 'HTTP 404' },
        { url: 'https://www.muster.de/wartung', contact_scan_status: 'error', contact_scan_error: 'HTTP 503' },
      ]);
      expect(await contactRows(domainId)).toEqual(expectedContacts);
      // robots.txt was honoured: the disallowed page was never requested.
      expect(server.requests).not.toContain('www.muster.de /intern/team');
      expect(server.requests.filter((r) => r.endsWith('/robots.txt'))).toHaveLength(1);
      const scanned = await t.db.selectFrom('pages').select('scanned_at').where('domain_id', '=', domainId).execute();
      expect(scanned.every((p) => p.scanned_at instanceof Date)).toBe(true);
    });

    it('re-running the jobs creates no duplicate contacts, keeps the first page, and refetches only errors', async () => {
      const { domainId } = await seedAndEnqueue(4);
      const first = await runPendingJobs(t.db, stage());
      expect(first).toHaveLength(2);
      const contactsBefore = await t.db.selectFrom('contacts').selectAll().orderBy('id').execute();
      const requestsBefore = server.requests.length;

      await requeue(
        t.db,
        first.map((d) => d.job.job_id),
      );
      await runPendingJobs(t.db, stage());
      expect(await contactRows(domainId)).toEqual(expectedContacts);
      expect(await t.db.selectFrom('contacts').selectAll().orderBy('id').execute()).toEqual(contactsBefore);
      // Complete and skipped pages are not fetched again; the pages in error are.
      expect(server.requests.slice(requestsBefore).sort()).toEqual([
        'www.muster.de /fehlt',
        'www.muster.de /robots.txt',
        'www.muster.de /wartung',
      ]);
    });

    it('a page that fails transiently beside good ones is retried alone; the good ones are kept', async () => {
      const pages = sites['www.muster.de'] as Record<string, { status?: number; body?: string }>;
      pages['/bald'] = { status: 503, body: 'back soon' };
      try {
        const { domainId } = await seedPages(t.db, 'www.muster.de', ['/kontakt', '/bald']);
        await t.db.transaction().execute((trx) => enqueueContactScans(trx, { domainId }));
        const [job] = await claimAll(t.db, 'contact_scan');
        if (job === undefined) throw new Error('no job claimed');
        expect(job.attempts).toBeLessThan(job.max_attempts);
        await expect(runOnly(t.db, stage(), job)).rejects.toThrow(
          '1 of 2 pages failed and are retried, the first with: HTTP 503',
        );
        expect(await pageRows(domainId)).toEqual([
          { url: 'https://www.muster.de/kontakt', contact_scan_status: 'complete', contact_scan_error: null },
          { url: 'https://www.muster.de/bald', contact_scan_status: 'pending', contact_scan_error: null },
        ]);
        expect((await contactRows(domainId)).map((c) => c.value)).toContain('info@muster.de');

        // The site recovers; the retry fetches only the page that failed.
        pages['/bald'] = { body: '<p>Bald: bald@muster.de</p>' };
        const before = server.requests.length;
        const retried = await runOnly(t.db, stage(), { ...job, attempts: job.attempts + 1 });
        await commitOnly(t.db, stage(), { ...job, attempts: job.attempts + 1 }, retried);
        expect(server.requests.slice(before).filter((r) => !r.endsWith('/robots.txt'))).toEqual([
          'www.muster.de /bald',
        ]);
        expect(await pageRows(domainId)).toEqual([
          { url: 'https://www.muster.de/kontakt', contact_scan_status: 'complete', contact_scan_error: null },
          { url: 'https://www.muster.de/bald', contact_scan_status: 'complete', contact_scan_error: null },
        ]);
        expect((await contactRows(domainId)).map((c) => c.value)).toContain('bald@muster.de');
      } finally {
        delete pages['/bald'];
      }
    });

    it('on the last attempt, a page that fails transiently beside good ones is recorded error', async () => {
      const { domainId } = await seedPages(t.db, 'www.muster.de', ['/kontakt', '/wartung']);
      await t.db.transaction().execute((trx) => enqueueContactScans(trx, { domainId }));
      const [job] = await claimAll(t.db, 'contact_scan');
      if (job === undefined) throw new Error('no job claimed');
      const last = { ...job, attempts: job.max_attempts };
      await commitOnly(t.db, stage(), last, await runOnly(t.db, stage(), last));
      expect(await pageRows(domainId)).toEqual([
        { url: 'https://www.muster.de/kontakt', contact_scan_status: 'complete', contact_scan_error: null },
        { url: 'https://www.muster.de/wartung', contact_scan_status: 'error', contact_scan_error: 'HTTP 503' },
      ]);
    });

    it('a batch whose every page fails transiently is retried, and marked error after its last attempt', async () => {
      const { domainId, idOf } = await seedPages(t.db, 'www.muster.de', ['/wartung']);
      await t.db.transaction().execute((trx) => enqueueContactScans(trx, { domainId }));
      const [job] = await claimAll(t.db, 'contact_scan');
      if (job === undefined) throw new Error('no job claimed');
      expect(job.page_id).toBe(idOf['/wartung']);
      await expect(runOnly(t.db, stage(), job)).rejects.toThrow('all 1 pages failed, the first with: HTTP 503');
      expect(await pageRows(domainId)).toEqual([
        { url: 'https://www.muster.de/wartung', contact_scan_status: 'pending', contact_scan_error: null },
      ]);
      await t.db.transaction().execute(async (trx) => {
        await stage().onFailed?.(job, 'all 1 pages failed, the first with: HTTP 503', {
          trx,
          workerId: 'w',
          logger: silentLogger,
        });
      });
      expect(await pageRows(domainId)).toEqual([
        {
          url: 'https://www.muster.de/wartung',
          contact_scan_status: 'error',
          contact_scan_error: 'all 1 pages failed, the first with: HTTP 503',
        },
      ]);
    });

    it('records a page error that quotes a NUL from the site, with U+FFFD in its place', async () => {
      const { domainId } = await seedPages(t.db, 'www.muster.de', ['/kontakt']);
      await t.db.transaction().execute((trx) => enqueueContactScans(trx, { domainId }));
      const refusing = createContactScanStage({
        fetcher: {
          async fetchText() {
            throw Object.assign(new Error('bad redirect: Location "/a\u0000b"'), { permanent: true });
          },
        },
        robots: { check: async () => ({ allowed: true }) },
      });
      const [job] = await claimAll(t.db, 'contact_scan');
      if (job === undefined) throw new Error('no job claimed');
      await commitOnly(t.db, refusing, job, await runOnly(t.db, refusing, job));
      expect(await pageRows(domainId)).toEqual([
        {
          url: 'https://www.muster.de/kontakt',
          contact_scan_status: 'error',
          contact_scan_error: 'bad redirect: Location "/a\uFFFDb"',
        },
      ]);
    });

    it('a contact_scan job must name its page: the schema refuses a domain-wide one (migration 0002)', async () => {
      const { domainId } = await seedPages(t.db, 'www.muster.de', ['/kontakt']);
      await expect(
        t.db.insertInto('jobs').values({ job_type: 'contact_scan', domain_id: domainId, payload: '{}' }).execute(),
      ).rejects.toThrow(/jobs_input_present/);
    });

    it('spaces a site’s batches by spacingMs, after the batches already queued for it', async () => {
      const { domainId } = await seedPages(t.db, 'www.muster.de', ['/a', '/b', '/c', '/d', '/e']);
      await t.db.transaction().execute((trx) => enqueueContactScans(trx, { domainId, batchSize: 2, spacingMs: 2500 }));
      const delays = async () =>
        (
          await sql<{ s: number }>`
            select extract(epoch from run_at - created_at)::float8 as s from jobs order by run_at
          `.execute(t.db)
        ).rows.map((r) => Math.round(r.s * 10) / 10);
      expect(await delays()).toEqual([0, 2.5, 5]);
      // Two more pages later (another sitemap file): queued behind the three live batches.
      await t.db
        .insertInto('pages')
        .values(['/f', '/g'].map((p) => ({ domain_id: domainId, url: `https://www.muster.de${p}` })))
        .execute();
      await t.db.transaction().execute((trx) => enqueueContactScans(trx, { domainId, batchSize: 2, spacingMs: 2500 }));
      expect(await delays()).toEqual([0, 2.5, 5, 7.5]);
    });

    it('counts a live job that names its page without a page list: that page is covered, and it is queued ahead', async () => {
      const { domainId, idOf } = await seedPages(t.db, 'www.muster.de', ['/a', '/b', '/c']);
      await t.db
        .insertInto('jobs')
        .values({ job_type: 'contact_scan', domain_id: domainId, page_id: idOf['/a'] ?? 0, payload: '{}' })
        .execute();
      await t.db.transaction().execute((trx) => enqueueContactScans(trx, { domainId, batchSize: 10, spacingMs: 1000 }));
      const { rows } = await sql<{ payload: unknown; s: number }>`
        select payload, extract(epoch from run_at - created_at)::float8 as s from jobs order by run_at
      `.execute(t.db);
      expect(rows.map((r) => [r.payload, Math.round(r.s * 10) / 10])).toEqual([
        [{}, 0],
        [{ pageIds: [idOf['/b'], idOf['/c']] }, 1],
      ]);
    });

    it('enqueues scans only for pending pages no live job covers', async () => {
      const { domainId, idOf } = await seedPages(t.db, 'www.muster.de', ['/kontakt', '/impressum', '/karriere']);
      const enqueue = () => t.db.transaction().execute((trx) => enqueueContactScans(trx, { domainId, batchSize: 2 }));
      expect(await enqueue()).toBe(2);
      expect(await enqueue()).toBe(0);
      await t.db
        .updateTable('pages')
        .set({ contact_scan_status: 'complete' })
        .where('id', '=', idOf['/karriere'] ?? 0)
        .execute();
      await t.db.updateTable('jobs').set({ status: 'cancelled' }).execute();
      expect(await enqueue()).toBe(1);
      const live = await t.db.selectFrom('jobs').select('payload').where('status', '=', 'pending').execute();
      expect(live).toEqual([{ payload: { pageIds: [idOf['/kontakt'], idOf['/impressum']] } }]);
    });
  });
});
