import pino from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { domainVerdict } from '../../../src/audit/domain-verdict.js';
import { traceDomain } from '../../../src/audit/trace-domain.js';
import { type Site, type SiteServer, startSiteServer } from '../../../src/demo/site-server.js';
import { parseConnectToList } from '../../../src/fetch/connect-to.js';
import { HttpClient } from '../../../src/fetch/http-client.js';
import { createStageRegistry } from '../../../src/pipeline/stages/registry.js';
import { Worker } from '../../../src/pipeline/worker/worker.js';
import { backends, useTestDatabase } from '../../helpers/databases.js';
import { emptyTables } from '../../helpers/rows.js';

const logger = pino({ level: 'silent' });
const xml = (body: string) => ({ body: `<?xml version="1.0" encoding="UTF-8"?>\n${body}` });
const robots = (text: string) => ({ type: 'text/plain', body: text });

/** One odd site per deterministic outcome of WF4: what the site lacks, not what pipectl failed to do. */
const sites: Record<string, Site> = {
  'no-sitemap.test': { '/robots.txt': robots('User-agent: *\nAllow: /\n') },
  'gone-sitemap.test': { '/robots.txt': robots('Sitemap: http://gone-sitemap.test/sitemap.xml\n') },
  'soft-404.test': {
    '/robots.txt': robots('Sitemap: http://soft-404.test/sitemap.xml\n'),
    '/sitemap.xml': { type: 'text/html', body: '<!DOCTYPE html><html><body><h1>Page not found</h1></body></html>' },
  },
  'broken-xml.test': {
    '/robots.txt': robots('Sitemap: http://broken-xml.test/sitemap.xml\n'),
    '/sitemap.xml': xml('<catalogue><item>http://broken-xml.test/a</item></catalogue>'),
  },
  'binary-junk.test': {
    '/robots.txt': robots('Sitemap: http://binary-junk.test/sitemap.xml\n'),
    '/sitemap.xml': { type: 'application/octet-stream', body: Buffer.from([0, 0, 0, 1, 0x50, 0x4b, 3, 4, 0, 0x41]) },
  },
  'nul-root.test': {
    '/robots.txt': robots('Sitemap: http://nul-root.test/sitemap.xml\n'),
    '/sitemap.xml': { body: '<?xml version="1.0"?>\n<url\u0000set><url><loc>http://nul-root.test/a</loc></url>' },
  },
  'redirect-loop.test': {
    '/robots.txt': robots('Sitemap: http://redirect-loop.test/a.xml\n'),
    '/a.xml': { redirect: 'http://redirect-loop.test/b.xml', status: 302 },
    '/b.xml': { redirect: 'http://redirect-loop.test/a.xml', status: 302 },
  },
  'metadata-redirect.test': {
    '/robots.txt': robots('Sitemap: http://metadata-redirect.test/sitemap.xml\n'),
    '/sitemap.xml': { redirect: 'http://169.254.169.254/latest/meta-data/', status: 302 },
  },
  'robots-disallow.test': {
    '/robots.txt': robots('User-agent: *\nDisallow: /\n'),
    '/sitemap.xml': xml(
      '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>http://robots-disallow.test/secret</loc></url></urlset>',
    ),
  },
};

let server: SiteServer;
let client: HttpClient;
const requested: string[] = [];

beforeAll(async () => {
  server = await startSiteServer(sites, { onRequest: (host, req) => requested.push(`${host}${req.url}`) });
  client = new HttpClient({
    connectTo: parseConnectToList([...server.connectTo]),
    perHostDelayMs: 0,
    headersTimeoutMs: 2000,
    bodyTimeoutMs: 2000,
  });
});
afterAll(async () => {
  await client.close();
  await server.close();
});

// design §5: every deterministic outcome of the site ends the domain `complete`, with the reason
// in sitemap_analysis_error and every fetched document in sitemap_files; the job completes.
describe.each(backends)('WF4 outcomes of odd sites on $name', ({ name, skip }) => {
  describe.skipIf(skip)(name, () => {
    const t = useTestDatabase(name);

    beforeEach(async () => {
      await emptyTables(t.db);
    });

    /** Queues the domain, runs a real worker until idle, and returns what WF4 left behind. */
    async function crawl(domain: string) {
      await t.db.insertInto('domains').values({ domain, sitemap_analysis_status: 'queued' }).execute();
      const stages = createStageRegistry(['sitemap'], { client, scheme: 'http' });
      const summary = await new Worker({ db: t.db, stages, logger, pollIntervalMs: 50, untilIdle: true }).run();
      const row = await t.db
        .selectFrom('domains')
        .select(['id', 'sitemap_analysis_status as status', 'sitemap_analysis_error as reason'])
        .where('domain', '=', domain)
        .executeTakeFirstOrThrow();
      const files = await t.db
        .selectFrom('sitemap_files')
        .select(['url', 'kind', 'http_status', 'error'])
        .where('domain_id', '=', row.id)
        .orderBy('id')
        .execute();
      const jobs = await t.db
        .selectFrom('jobs')
        .select(['job_type', 'status', 'attempts'])
        .where('domain_id', '=', row.id)
        .execute();
      const verdict = domainVerdict(await traceDomain(t.db, domain));
      return { summary, status: row.status, reason: row.reason, files, jobs, verdict };
    }

    const completedOnce = [{ job_type: 'sitemap', status: 'complete', attempts: 1 }];
    /** The sitemap_files row of a domain whose only sitemap answered 200 but is no sitemap. */
    const invalidSitemap = (domain: string, error: unknown) => ({
      url: `http://${domain}/sitemap.xml`,
      kind: 'invalid',
      http_status: 200,
      error,
    });

    it('no sitemap anywhere: complete, the probes listed as the reason', async () => {
      const r = await crawl('no-sitemap.test');
      expect(r.summary).toMatchObject({ completed: 1, failed: 0, retried: 0 });
      expect(r).toMatchObject({ status: 'complete', files: [], jobs: completedOnce });
      expect(r.reason).toMatch(/^no sitemap found: robots.txt lists no Sitemap; probed \/sitemap.xml \(HTTP 404\)/);
      expect(r.verdict).toMatchObject({ rule: 'wf4-zero-sitemaps' });
      expect(r.verdict.sentence).toContain('no sitemap found');
    });

    it('the only sitemap is a 404: complete, the 404 recorded', async () => {
      const r = await crawl('gone-sitemap.test');
      expect(r).toMatchObject({ status: 'complete', jobs: completedOnce });
      expect(r.reason).toBe('no usable sitemap among 1 sitemap file: http://gone-sitemap.test/sitemap.xml: HTTP 404');
      expect(r.files).toEqual([
        { url: 'http://gone-sitemap.test/sitemap.xml', kind: 'invalid', http_status: 404, error: 'HTTP 404' },
      ]);
      expect(r.verdict).toMatchObject({ rule: 'wf4-no-usable-sitemaps' });
      expect(r.verdict.sentence).toContain('HTTP 404');
    });

    it('the only sitemap is a soft 404 (an HTML page): complete, recorded as invalid', async () => {
      const r = await crawl('soft-404.test');
      expect(r).toMatchObject({ status: 'complete', jobs: completedOnce });
      expect(r.files).toEqual([invalidSitemap('soft-404.test', expect.stringContaining('soft 404'))]);
      expect(r.reason).toContain('soft 404');
      expect(r.verdict.sentence).toContain('soft 404');
    });

    it('the only sitemap is an XML document that is no sitemap: complete, recorded as invalid', async () => {
      const r = await crawl('broken-xml.test');
      expect(r).toMatchObject({ status: 'complete', jobs: completedOnce });
      expect(r.files).toEqual([invalidSitemap('broken-xml.test', expect.any(String))]);
      expect(r.reason).toContain(`http://broken-xml.test/sitemap.xml: ${r.files[0]?.error}`);
      expect(r.verdict).toMatchObject({ rule: 'wf4-no-usable-sitemaps' });
    });

    it('the only sitemap is binary, NUL bytes first: complete, recorded as invalid with the bytes escaped', async () => {
      const r = await crawl('binary-junk.test');
      expect(r).toMatchObject({ status: 'complete', jobs: completedOnce });
      expect(r.files).toEqual([
        invalidSitemap(
          'binary-junk.test',
          'not a sitemap: starts with "\\u0000\\u0000\\u0000\\u0001PK\\u0003\\u0004\\u0000A", neither XML nor a URL',
        ),
      ]);
    });

    it('the only sitemap has a NUL in its root element: complete, the error stored with U+FFFD for the NUL', async () => {
      const r = await crawl('nul-root.test');
      expect(r).toMatchObject({ status: 'complete', jobs: completedOnce });
      expect(r.files).toEqual([
        expect.objectContaining({ kind: 'invalid', error: expect.stringContaining('<url\uFFFDset>') }),
      ]);
      expect(r.reason).toContain('<url\uFFFDset>');
    });

    it('the only sitemap redirects in a loop: complete, the loop recorded', async () => {
      const r = await crawl('redirect-loop.test');
      expect(r).toMatchObject({ status: 'complete', jobs: completedOnce });
      expect(r.files).toHaveLength(1);
      expect(r.files[0]).toMatchObject({
        url: 'http://redirect-loop.test/a.xml',
        error: expect.stringMatching(/redirect/),
      });
      expect(r.reason).toContain('http://redirect-loop.test/a.xml');
    });

    it('the only sitemap redirects to a link-local address (SSRF guard): complete, the refusal recorded', async () => {
      const r = await crawl('metadata-redirect.test');
      expect(r).toMatchObject({ status: 'complete', jobs: completedOnce });
      expect(r.files).toEqual([
        expect.objectContaining({
          url: 'http://metadata-redirect.test/sitemap.xml',
          error: expect.stringMatching(/refused to connect to 169\.254\.169\.254/),
        }),
      ]);
      expect(r.reason).toMatch(/refused to connect to 169\.254\.169\.254/);
    });

    it('the site itself resolves to loopback (SSRF guard): complete, the refusal as the reason', async () => {
      const r = await crawl('localhost');
      expect(r).toMatchObject({ status: 'complete', files: [], jobs: completedOnce });
      expect(r.reason).toMatch(/^cannot fetch http:\/\/localhost\/robots.txt: refused to connect to localhost/);
      expect(r.verdict).toMatchObject({ rule: 'wf4-zero-sitemaps' });
      expect(r.verdict.sentence).toContain('refused to connect');
    });

    it('robots.txt disallows everything and names no sitemap: no path is probed; complete, saying so', async () => {
      requested.length = 0;
      const r = await crawl('robots-disallow.test');
      expect(r).toMatchObject({ status: 'complete', files: [], jobs: completedOnce });
      expect(r.reason).toMatch(/probed \/sitemap.xml \(disallowed by robots.txt\)/);
      expect(requested).toEqual(['robots-disallow.test/robots.txt']);
      expect(r.verdict.sentence).toContain('disallowed by robots.txt');
    });
  });
});
