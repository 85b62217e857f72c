import { type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/schema.js';
import {
  type SiteServer as RedirectServer,
  startSiteServer as startRedirectServer,
} from '../../src/demo/site-server.js';
import { type SiteServer, startSiteServer } from '../fixtures/site-server.js';
import type { CliResult } from '../helpers/cli.js';
import { serverUrl } from '../helpers/test-env.js';
import { addHostsEntry, canEditHosts } from './hosts-entry.js';
import { type E2eDatabase, pipectl, useE2eDatabase, workerStopped } from './run-pipectl.js';

/*
 * Issue 4, end to end through the real CLI: `pipectl domains add` and `pipectl process
 * --until-idle --stage sitemap` against the fixture sites of test/fixtures/fixture-sites.ts,
 * served on 127.0.0.1 and reached with --connect-to, on the embedded database and on the
 * server. The stage's own tests (test/pipeline/stages/sitemap-stage.test.ts) call the handler;
 * these check what a user gets: the rows, the domain statuses, the job outcomes.
 *
 * Time: slowbakery.com has a sitemap that never answers and one whose body stalls. `pipectl
 * process` has no flag for the HTTP client's timeouts, so each stall costs the default 20 s
 * (headers, body); the two backends therefore run at the same time, in beforeAll.
 */

/**
 * A name that resolves to 127.0.0.1 through /etc/hosts, mapped by no --connect-to rule; one per
 * test process, so that two test runs on one machine never remove each other's line.
 */
const loopbackDomain = `ssrf-probe-${process.pid}.pipectl-e2e.test`;
/** A mapped site whose sitemap redirects to a loopback address. */
const redirectDomain = 'open-redirect.pipectl-e2e.test';
const hostsEditable = canEditHosts();

interface Run {
  name: 'pglite' | 'postgres';
  skip: boolean;
  /** --scheme: the server run also exercises auto's https-then-http fallback. */
  scheme: 'http' | 'auto';
  /** How the --connect-to rules reach the CLI. */
  connectVia: 'env' | 'flags';
  db: E2eDatabase;
  add?: CliResult;
  process?: CliResult;
}

const runs: Run[] = [
  { name: 'pglite', skip: false, scheme: 'http', connectVia: 'env', db: useE2eDatabase('pglite') },
  {
    name: 'postgres',
    skip: serverUrl === undefined,
    scheme: 'auto',
    connectVia: 'flags',
    db: serverUrl === undefined ? ({} as E2eDatabase) : useE2eDatabase('postgres'),
  },
];

let site: SiteServer;
let redirects: RedirectServer;
let removeHostsEntry = () => {};

/** Every fixture domain with a site (cdn.jenkinseyecare.com only hosts a sitemap of jenkinseyecare.com). */
const fixtureDomains = () => site.domains.filter((d) => d !== 'cdn.jenkinseyecare.com');

async function runWf4(run: Run): Promise<void> {
  const connectTo = [...site.connectTo, ...redirects.connectTo.filter((r) => r.startsWith(redirectDomain))];
  const domains = [...fixtureDomains(), redirectDomain, ...(hostsEditable ? [loopbackDomain] : [])];
  run.add = await pipectl(run.db, ['domains', 'add', ...domains]);
  run.process = await pipectl(
    run.db,
    [
      'process',
      '--until-idle',
      '--stage',
      'sitemap',
      '--scheme',
      run.scheme,
      '--retry-delay',
      '100ms',
      '--poll-interval',
      '250ms',
      '--log-format',
      'json',
      ...(run.connectVia === 'flags' ? connectTo.flatMap((rule) => ['--connect-to', rule]) : []),
    ],
    { env: run.connectVia === 'env' ? { PIPECTL_CONNECT_TO: connectTo.join(',') } : {}, timeoutMs: 80_000 },
  );
}

beforeAll(async () => {
  if (hostsEditable) removeHostsEntry = addHostsEntry('127.0.0.1', loopbackDomain);
  else
    process.stderr.write(`\n  NOTICE: /etc/hosts is not writable — the SSRF test on ${loopbackDomain} is SKIPPED.\n\n`);
  site = await startSiteServer();
  redirects = await startRedirectServer({
    [redirectDomain]: {
      '/robots.txt': { type: 'text/plain', body: `Sitemap: http://${redirectDomain}/sitemap.xml\n` },
      '/sitemap.xml': {
        handle: (_req, res) => {
          res.writeHead(302, { location: `http://127.0.0.1:${redirects.port}/internal/sitemap.xml` }).end();
        },
      },
    },
    // What the redirect would reach if the guard let it: a sitemap of internal URLs.
    '127.0.0.1': {
      '/internal/sitemap.xml': {
        body: '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>http://127.0.0.1/admin</loc></url></urlset>',
      },
    },
  });
  await Promise.all(runs.filter((r) => !r.skip).map(runWf4));
}, 120_000);

afterAll(async () => {
  removeHostsEntry();
  await redirects?.close();
  await site?.close();
});

/** One sitemap_files row: [url, final_url, kind, http_status, url_count, parent url, error], URLs without http://. */
type FileRow = [string, string | null, string, number | null, number | null, string | null, string | null];

async function sitemapFiles(db: Kysely<Database>, domain: string): Promise<FileRow[]> {
  const rows = await db
    .selectFrom('sitemap_files as f')
    .innerJoin('domains as d', 'd.id', 'f.domain_id')
    .leftJoin('sitemap_files as p', 'p.id', 'f.parent_id')
    .select(['f.url', 'f.final_url', 'f.kind', 'f.http_status', 'f.url_count', 'p.url as parent', 'f.error'])
    .where('d.domain', '=', domain)
    .orderBy('f.id')
    .execute();
  const bare = (url: string | null) => (url === null ? null : url.replace(/^http:\/\//, ''));
  return rows.map((r) => [
    bare(r.url) as string,
    r.final_url === r.url ? '=' : bare(r.final_url),
    r.kind,
    r.http_status,
    r.url_count,
    bare(r.parent),
    r.error,
  ]);
}

async function domainStatus(db: Kysely<Database>, domain: string) {
  return db
    .selectFrom('domains')
    .select(['sitemap_analysis_status as status', 'sitemap_analysis_error as error'])
    .where('domain', '=', domain)
    .executeTakeFirstOrThrow();
}

describe.each(runs)('WF4 end to end through the CLI on $name', (run) => {
  describe.skipIf(run.skip)(`--scheme ${run.scheme}, --connect-to by ${run.connectVia}`, () => {
    const use = async <T>(fn: (db: Kysely<Database>) => Promise<T>) => fn(await run.db.open());

    it('adds the domains and ends the worker idle, with the expected job outcomes', async () => {
      expect(run.add?.stdout).toContain(
        `${fixtureDomains().length + 1 + (hostsEditable ? 1 : 0)} added, 0 already present, 0 rejected`,
      );
      const summary = run.process === undefined ? undefined : workerStopped(run.process);
      // Every site's job completes, whatever the site lacks (a 404, a redirect chain, an SSRF
      // refusal); only maintenance-mode's 503 fails, after 4 retries: pipectl could not do its job.
      expect(summary).toMatchObject({
        reason: 'idle',
        completed: hostsEditable ? 12 : 11,
        failed: 1,
        retried: 4,
        rescued: 0,
      });
      const jobs = await use((db) =>
        sql<{ domain: string; status: string; attempts: number }>`
          select d.domain, j.status, j.attempts from jobs j join domains d on d.id = j.domain_id
          where j.job_type = 'sitemap'
        `.execute(db),
      );
      // Sorted here rather than by the server, whose collation may order '-' and '.' differently.
      const byDomain = (a: { domain: string }, b: { domain: string }) => (a.domain < b.domain ? -1 : 1);
      expect([...jobs.rows].sort(byDomain)).toEqual(
        [
          { domain: 'bomb-garage.com', status: 'complete', attempts: 1 },
          { domain: 'brightsmile-dental.com', status: 'complete', attempts: 1 },
          { domain: 'deep-nesting.org', status: 'complete', attempts: 1 },
          { domain: 'harborbooks.co.uk', status: 'complete', attempts: 1 },
          { domain: 'jenkinseyecare.com', status: 'complete', attempts: 1 },
          { domain: 'maintenance-mode.com', status: 'failed', attempts: 5 },
          { domain: 'oakridge-plumbing.com', status: 'complete', attempts: 1 },
          { domain: redirectDomain, status: 'complete', attempts: 1 },
          { domain: 'redirect-chain.com', status: 'complete', attempts: 1 },
          { domain: 'slowbakery.com', status: 'complete', attempts: 1 },
          ...(hostsEditable ? [{ domain: loopbackDomain, status: 'complete', attempts: 1 }] : []),
          { domain: 'sunset-yoga.com', status: 'complete', attempts: 1 },
          { domain: 'vintage-vinyl.shop', status: 'complete', attempts: 1 },
        ].sort(byDomain),
      );
    });

    it('a sitemap index with a child that answers 500: the child is recorded, its siblings imported', async () => {
      expect(await use((db) => sitemapFiles(db, 'jenkinseyecare.com'))).toEqual([
        ['jenkinseyecare.com/sitemap_index.xml', '=', 'index', 200, 5, null, null],
        ['cdn.jenkinseyecare.com/sitemaps/locations.xml', '=', 'urlset', 200, 2, null, null],
        ['jenkinseyecare.com/post-sitemap.xml', '=', 'urlset', 200, 3, 'jenkinseyecare.com/sitemap_index.xml', null],
        ['jenkinseyecare.com/page-sitemap.xml', '=', 'urlset', 200, 4, 'jenkinseyecare.com/sitemap_index.xml', null],
        [
          'jenkinseyecare.com/category-sitemap.xml',
          '=',
          'invalid',
          500,
          null,
          'jenkinseyecare.com/sitemap_index.xml',
          'HTTP 500',
        ],
        [
          'jenkinseyecare.com/doctors-sitemap.xml.gz',
          '=',
          'urlset',
          200,
          2,
          'jenkinseyecare.com/sitemap_index.xml',
          null,
        ],
        ['jenkinseyecare.com/archive-index.xml', '=', 'index', 200, 1, 'jenkinseyecare.com/sitemap_index.xml', null],
        ['jenkinseyecare.com/archive-2019.xml', '=', 'urlset', 200, 1, 'jenkinseyecare.com/archive-index.xml', null],
      ]);
      expect(await use((db) => domainStatus(db, 'jenkinseyecare.com'))).toEqual({ status: 'complete', error: null });
    });

    it('a redirect loop, an index that lists itself and a redirect back to an ancestor are recorded, not followed', async () => {
      expect(await use((db) => sitemapFiles(db, 'sunset-yoga.com'))).toEqual([
        [
          'sunset-yoga.com/sitemap.xml',
          null,
          'invalid',
          null,
          null,
          null,
          'redirect loop: http://sunset-yoga.com/sitemap.xml → http://sunset-yoga.com/sitemaps/main.xml → http://sunset-yoga.com/sitemap.xml',
        ],
        [
          'sunset-yoga.com/sitemap-index.xml',
          '=',
          'index',
          200,
          3,
          null,
          'lists an ancestor (itself or an index above it): a cycle, not followed',
        ],
        ['sunset-yoga.com/atom.xml', '=', 'atom', 200, 1, null, null],
        [
          'sunset-yoga.com/moved-index.xml',
          'sunset-yoga.com/sitemap-index.xml',
          'index',
          301,
          null,
          'sunset-yoga.com/sitemap-index.xml',
          'redirects back to its ancestor http://sunset-yoga.com/sitemap-index.xml: a cycle, not followed',
        ],
        ['sunset-yoga.com/classes.xml', '=', 'urlset', 200, 2, 'sunset-yoga.com/sitemap-index.xml', null],
      ]);
      expect(await use((db) => sitemapFiles(db, 'redirect-chain.com'))).toEqual([
        [
          'redirect-chain.com/r/0',
          null,
          'invalid',
          null,
          null,
          null,
          `more than 5 redirects: ${[0, 1, 2, 3, 4, 5, 6].map((i) => `http://redirect-chain.com/r/${i}`).join(' → ')}`,
        ],
      ]);
      expect(await use((db) => domainStatus(db, 'sunset-yoga.com'))).toEqual({ status: 'complete', error: null });
      expect(await use((db) => domainStatus(db, 'redirect-chain.com'))).toEqual({
        status: 'complete',
        error: `no usable sitemap among 1 sitemap file: http://redirect-chain.com/r/0: more than 5 redirects: ${[
          0, 1, 2, 3, 4, 5, 6,
        ]
          .map((i) => `http://redirect-chain.com/r/${i}`)
          .join(' → ')}`,
      });
    });

    it('a sitemap that never answers and one whose body stalls time out; the domain completes on the third', async () => {
      expect(await use((db) => sitemapFiles(db, 'slowbakery.com'))).toEqual([
        [
          'slowbakery.com/sitemap.xml',
          null,
          'invalid',
          null,
          null,
          null,
          'http://slowbakery.com/sitemap.xml: no response headers in time',
        ],
        [
          'slowbakery.com/slow-body.xml',
          '=',
          'urlset',
          200,
          2,
          null,
          'http://slowbakery.com/slow-body.xml: the body stalled',
        ],
        ['slowbakery.com/menu.xml', '=', 'urlset', 200, 1, null, null],
      ]);
      expect(await use((db) => domainStatus(db, 'slowbakery.com'))).toEqual({ status: 'complete', error: null });
      // Each stalled document was asked for once: a timeout of one file does not retry the domain.
      const paths = site.requestsFor('slowbakery.com').map((r) => r.path);
      expect(paths.filter((p) => p === '/sitemap.xml')).toHaveLength(runs.filter((r) => !r.skip).length);
    });

    it('a gzip bomb stops at the 50 MiB cap and is recorded as an error, not imported; its sibling is', async () => {
      const bomb = await use((db) =>
        db
          .selectFrom('sitemap_files')
          .select(['bytes'])
          .where('url', '=', 'http://bomb-garage.com/sitemap.xml.gz')
          .executeTakeFirstOrThrow(),
      );
      expect(Number(bomb.bytes)).toBe(50 * 1024 * 1024);
      expect(await use((db) => sitemapFiles(db, 'bomb-garage.com'))).toEqual([
        [
          'bomb-garage.com/sitemap.xml.gz',
          '=',
          'urlset',
          200,
          1,
          null,
          'http://bomb-garage.com/sitemap.xml.gz passed the 50 MiB size cap (decompressed); reading stopped there',
        ],
        ['bomb-garage.com/services.xml', '=', 'urlset', 200, 1, null, null],
      ]);
      expect(await use((db) => domainStatus(db, 'bomb-garage.com'))).toEqual({ status: 'complete', error: null });
    });

    it('a .gz URL that is not compressed is read by its bytes; a text sitemap and an RSS feed are read too', async () => {
      expect(await use((db) => sitemapFiles(db, 'harborbooks.co.uk'))).toEqual([
        ['harborbooks.co.uk/sitemap.txt', '=', 'text', 200, 4, null, null],
        ['harborbooks.co.uk/feed.rss', '=', 'rss', 200, 1, null, null],
        ['harborbooks.co.uk/sitemap.xml.gz', '=', 'urlset', 200, 1, null, null],
      ]);
    });

    it('a site with no robots.txt and only /sitemap_index.xml is found by probing', async () => {
      expect(await use((db) => sitemapFiles(db, 'oakridge-plumbing.com'))).toEqual([
        ['oakridge-plumbing.com/sitemap_index.xml', '=', 'index', 200, 1, null, null],
        [
          'oakridge-plumbing.com/page-sitemap.xml',
          '=',
          'urlset',
          200,
          3,
          'oakridge-plumbing.com/sitemap_index.xml',
          null,
        ],
      ]);
      expect(await use((db) => domainStatus(db, 'oakridge-plumbing.com'))).toEqual({ status: 'complete', error: null });
      const probes = site
        .requestsFor('oakridge-plumbing.com')
        .map((r) => r.path)
        .filter((p) => p !== '/robots.txt');
      // Each run probed /sitemap.xml (404), then /sitemap_index.xml, then fetched its child.
      expect(new Set(probes)).toEqual(new Set(['/sitemap.xml', '/sitemap_index.xml', '/page-sitemap.xml']));
    });

    it('the remaining sites: nested indexes to the depth limit, no sitemap at all, a 404, a 503 after its retries', async () => {
      expect(await use((db) => sitemapFiles(db, 'deep-nesting.org'))).toEqual([
        ['deep-nesting.org/level-0.xml', '=', 'index', 200, 2, null, null],
        ['deep-nesting.org/level-1.xml', '=', 'index', 200, 1, 'deep-nesting.org/level-0.xml', null],
        ['deep-nesting.org/pages.xml', '=', 'urlset', 200, 1, 'deep-nesting.org/level-0.xml', null],
        ['deep-nesting.org/level-2.xml', '=', 'index', 200, 1, 'deep-nesting.org/level-1.xml', null],
        ['deep-nesting.org/level-3.xml', '=', 'index', 200, 1, 'deep-nesting.org/level-2.xml', null],
        ['deep-nesting.org/level-4.xml', '=', 'index', 200, 1, 'deep-nesting.org/level-3.xml', null],
        [
          'deep-nesting.org/level-5.xml',
          '=',
          'index',
          200,
          1,
          'deep-nesting.org/level-4.xml',
          'depth limit 5 reached: 1 child sitemap(s) not followed',
        ],
      ]);
      expect(await use((db) => sitemapFiles(db, 'brightsmile-dental.com'))).toEqual([]);
      expect(await use((db) => domainStatus(db, 'brightsmile-dental.com'))).toEqual({
        status: 'complete',
        error:
          'no sitemap found: robots.txt lists no Sitemap; probed /sitemap.xml (HTTP 200: an HTML page where a sitemap was expected (soft 404?)), ' +
          '/sitemap_index.xml (HTTP 404), /sitemap-index.xml (HTTP 404), /wp-sitemap.xml (HTTP 404), /sitemap.xml.gz (HTTP 404), /sitemap.txt (HTTP 404)',
      });
      expect(await use((db) => sitemapFiles(db, 'vintage-vinyl.shop'))).toEqual([
        ['vintage-vinyl.shop/sitemap.xml', '=', 'invalid', 404, null, null, 'HTTP 404'],
      ]);
      expect(await use((db) => domainStatus(db, 'vintage-vinyl.shop'))).toEqual({
        status: 'complete',
        error: 'no usable sitemap among 1 sitemap file: http://vintage-vinyl.shop/sitemap.xml: HTTP 404',
      });
      expect(await use((db) => sitemapFiles(db, 'maintenance-mode.com'))).toEqual([
        ['maintenance-mode.com/sitemap.xml', '=', 'invalid', 503, null, null, 'HTTP 503'],
      ]);
      expect(await use((db) => domainStatus(db, 'maintenance-mode.com'))).toEqual({
        status: 'error',
        error: 'no usable sitemap among 1 sitemap file: http://maintenance-mode.com/sitemap.xml: HTTP 503',
      });
    });

    it('enqueues one page_import job per urlset-like file with URLs, and none for the rest', async () => {
      const { rows } = await use((db) =>
        sql<{ url: string; status: string }>`
          select f.url, j.status from jobs j join sitemap_files f on f.id = j.sitemap_file_id
          where j.job_type = 'page_import'
        `.execute(db),
      );
      expect(rows.every((r) => r.status === 'pending')).toBe(true);
      expect(rows.map((r) => r.url).sort()).toEqual(
        [
          'http://bomb-garage.com/services.xml',
          'http://cdn.jenkinseyecare.com/sitemaps/locations.xml',
          'http://deep-nesting.org/pages.xml',
          'http://harborbooks.co.uk/feed.rss',
          'http://harborbooks.co.uk/sitemap.txt',
          'http://harborbooks.co.uk/sitemap.xml.gz',
          'http://jenkinseyecare.com/archive-2019.xml',
          'http://jenkinseyecare.com/doctors-sitemap.xml.gz',
          'http://jenkinseyecare.com/page-sitemap.xml',
          'http://jenkinseyecare.com/post-sitemap.xml',
          'http://oakridge-plumbing.com/page-sitemap.xml',
          'http://slowbakery.com/menu.xml',
          'http://slowbakery.com/slow-body.xml',
          'http://sunset-yoga.com/atom.xml',
          'http://sunset-yoga.com/classes.xml',
        ].sort(),
      );
    });

    it.skipIf(!hostsEditable)(
      'SSRF guard: a domain that resolves to 127.0.0.1, with no mapping and no flag, is refused with a clear error',
      async () => {
        const scheme = run.scheme === 'auto' ? 'https' : 'http';
        expect(await use((db) => domainStatus(db, loopbackDomain))).toEqual({
          status: 'complete',
          error: `cannot fetch ${scheme}://${loopbackDomain}/robots.txt: refused to connect to ${loopbackDomain} (127.0.0.1): a loopback address — pass --allow-private-network, or map the host with --connect-to`,
        });
        expect(await use((db) => sitemapFiles(db, loopbackDomain))).toEqual([]);
        // No retry: a refusal is the site's outcome, not a network failure that time can fix.
        const job = await use((db) =>
          sql<{ status: string; attempts: number }>`
            select j.status, j.attempts from jobs j join domains d on d.id = j.domain_id where d.domain = ${loopbackDomain}
          `.execute(db),
        );
        expect(job.rows).toEqual([{ status: 'complete', attempts: 1 }]);
      },
    );

    it('SSRF guard: a mapped site whose sitemap redirects to a loopback address is refused at the redirect', async () => {
      const refusal =
        'refused to connect to 127.0.0.1: a loopback address — pass --allow-private-network, or map the host with --connect-to';
      expect(await use((db) => sitemapFiles(db, redirectDomain))).toEqual([
        [`${redirectDomain}/sitemap.xml`, null, 'invalid', null, null, null, refusal],
      ]);
      expect(await use((db) => domainStatus(db, redirectDomain))).toEqual({
        status: 'complete',
        error: `no usable sitemap among 1 sitemap file: http://${redirectDomain}/sitemap.xml: ${refusal}`,
      });
    });
  });
});
