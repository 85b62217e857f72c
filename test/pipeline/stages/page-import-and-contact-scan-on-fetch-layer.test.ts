import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseConnectToList } from '../../../src/fetch/connect-to.js';
import { HttpClient } from '../../../src/fetch/http-client.js';
import { RobotsCache } from '../../../src/fetch/robots-cache.js';
import { PermanentJobError } from '../../../src/pipeline/stage.js';
import { createContactScanStage, fetchLayerPageAccess } from '../../../src/pipeline/stages/contact-scan-stage.js';
import { createPageImportStage, fetchLayerSitemapSource } from '../../../src/pipeline/stages/page-import-stage.js';
import { type FixtureServer, startFixtureSites } from '../../fixtures/site-server.js';
import { backends, useTestDatabase } from '../../helpers/databases.js';
import { emptyTables } from '../../helpers/rows.js';
import { claimAll, runOnly, runPendingJobs } from './run-stage-job.js';
import { seedFile } from './seed-file.js';

const userAgent = 'pipectl-test/1';
const sitemapXml = `<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <url><loc>http://www.muster.de/kontakt</loc><lastmod>2024-03-01</lastmod><priority>0.5</priority></url>
  <url><loc>http://www.muster.de/intern/team</loc></url>
  <url><loc>http://www.muster.de/katalog.pdf</loc></url>
  <url><loc>http://partner.example.net/seite</loc></url>
  <url><loc>/relativ</loc></url>
</urlset>`;

/** The fixture sites, served on 127.0.0.1 and reached through the real HttpClient's --connect-to. */
const sites = {
  'www.muster.de': {
    '/robots.txt': { type: 'text/plain', body: 'User-agent: *\nDisallow: /intern/\n' },
    '/sitemap.xml.gz': { type: 'application/xml', body: gzipSync(sitemapXml), headers: { 'content-encoding': 'gzip' } },
    '/sitemap_index.xml': {
      type: 'application/xml',
      body: '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap><loc>http://www.muster.de/a.xml</loc></sitemap></sitemapindex>',
    },
    '/kontakt': { body: '<p>Tel.: 030 1234567 · <a href="mailto:info@muster.de">Mail</a></p>' },
    '/intern/team': { body: '<p>geheim@muster.de</p>' },
    '/katalog.pdf': { type: 'application/pdf', body: '%PDF-1.4 katalog@muster.de' },
  },
  'down.de': {
    '/robots.txt': { status: 503, body: 'maintenance' },
    '/seite': { body: '<p>info@down.de</p>' },
  },
};

describe.each(backends)('the WF5/WF7 stages on the fetch layer, on $name', ({ name, skip }) => {
  describe.skipIf(skip)(name, () => {
    const t = useTestDatabase(name);
    let server: FixtureServer;
    let client: HttpClient;

    beforeAll(async () => {
      server = await startFixtureSites(sites);
      client = new HttpClient({
        userAgent,
        perHostDelayMs: 0,
        connectTo: parseConnectToList(Object.keys(sites).map((host) => `${host}:80:127.0.0.1:${server.port}`)),
      });
    });
    afterAll(async () => {
      await server.close();
    });
    beforeEach(async () => {
      await emptyTables(t.db);
    });

    it('imports a gzip sitemap and scans its pages, honouring robots.txt', async () => {
      const { domainId, fileId } = await seedFile(t.db, 'www.muster.de', 'http://www.muster.de/sitemap.xml.gz');
      const [imported] = await runPendingJobs(
        t.db,
        createPageImportStage({ entries: fetchLayerSitemapSource(client) }),
      );
      expect(imported?.result).toEqual({
        domainId,
        sitemapFileId: fileId,
        urlCount: 4,
        inserted: 3,
        offSite: 1,
        invalid: 1, // the relative <loc>, dropped by the parser
        refused: 0,
        refusedExample: null,
        capped: false,
        readError: null,
      });

      const scan = createContactScanStage(fetchLayerPageAccess(client, new RobotsCache(client)));
      await runPendingJobs(t.db, scan);
      const pages = await t.db
        .selectFrom('pages')
        .select(['url', 'lastmod', 'priority', 'contact_scan_status', 'contact_scan_error'])
        .where('domain_id', '=', domainId)
        .orderBy('id')
        .execute();
      expect(pages).toEqual([
        {
          url: 'http://www.muster.de/kontakt',
          lastmod: new Date('2024-03-01T00:00:00Z'),
          priority: 0.5,
          contact_scan_status: 'complete',
          contact_scan_error: null,
        },
        {
          url: 'http://www.muster.de/intern/team',
          lastmod: null,
          priority: null,
          contact_scan_status: 'skipped',
          contact_scan_error: `disallowed by robots.txt for ${userAgent}`,
        },
        {
          url: 'http://www.muster.de/katalog.pdf',
          lastmod: null,
          priority: null,
          contact_scan_status: 'skipped',
          contact_scan_error: 'not an HTML page (application/pdf)',
        },
      ]);
      const contacts = await t.db.selectFrom('contacts').select(['kind', 'value']).orderBy('kind').execute();
      expect(contacts).toEqual([
        { kind: 'email', value: 'info@muster.de' },
        { kind: 'phone', value: '+49301234567' },
      ]);
      expect(server.requests).not.toContain('www.muster.de /intern/team');
    });

    it('fails a page_import at once for a missing file or one that became an index', async () => {
      await seedFile(t.db, 'www.muster.de', 'http://www.muster.de/weg.xml');
      const stage = createPageImportStage({ entries: fetchLayerSitemapSource(client) });
      const [missing] = await claimAll(t.db, 'page_import');
      if (missing === undefined) throw new Error('no job claimed');
      await expect(runOnly(t.db, stage, missing)).rejects.toThrow(PermanentJobError);
      await expect(runOnly(t.db, stage, missing)).rejects.toThrow('HTTP 404 for http://www.muster.de/weg.xml');

      await emptyTables(t.db);
      await seedFile(t.db, 'www.muster.de', 'http://www.muster.de/sitemap_index.xml');
      const [index] = await claimAll(t.db, 'page_import');
      if (index === undefined) throw new Error('no job claimed');
      await expect(runOnly(t.db, stage, index)).rejects.toThrow(/is now a index document/);
    });

    it('retries a page whose robots.txt cannot be read rather than skipping it', async () => {
      const { id: domainId } = await t.db
        .insertInto('domains')
        .values({ domain: 'down.de' })
        .returning('id')
        .executeTakeFirstOrThrow();
      const { id: pageId } = await t.db
        .insertInto('pages')
        .values({ domain_id: domainId, url: 'http://down.de/seite' })
        .returning('id')
        .executeTakeFirstOrThrow();
      await t.db
        .insertInto('jobs')
        .values({
          job_type: 'contact_scan',
          domain_id: domainId,
          page_id: pageId,
          payload: JSON.stringify({ pageIds: [pageId] }),
        })
        .execute();
      const scan = createContactScanStage(fetchLayerPageAccess(client, new RobotsCache(client)));
      const [job] = await claimAll(t.db, 'contact_scan');
      if (job === undefined) throw new Error('no job claimed');
      await expect(runOnly(t.db, scan, job)).rejects.toThrow(/robots.txt of http:\/\/down.de could not be read/);
      expect(server.requests).not.toContain('down.de /seite');
    });
  });
});
