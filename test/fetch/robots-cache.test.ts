import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConnectToList } from '../../src/fetch/connect-to.js';
import { HttpClient } from '../../src/fetch/http-client.js';
import { RobotsCache } from '../../src/fetch/robots-cache.js';
import { type SiteServer, startSiteServer } from '../fixtures/site-server.js';

describe('RobotsCache', () => {
  let site: SiteServer;
  let client: HttpClient;

  beforeAll(async () => {
    site = await startSiteServer();
    client = new HttpClient({
      connectTo: parseConnectToList([...site.connectTo]),
      perHostDelayMs: 0,
      userAgent: 'pipectl/0.1',
    });
  });
  afterAll(async () => {
    await client.close();
    await site.close();
  });

  it('reads Sitemap lines and rules from a site’s robots.txt', async () => {
    const robots = await new RobotsCache(client).forSite('jenkinseyecare.com', 'http');
    expect(robots).toMatchObject({
      origin: 'http://jenkinseyecare.com',
      status: 200,
      error: null,
      sitemaps: ['http://jenkinseyecare.com/sitemap_index.xml', 'http://cdn.jenkinseyecare.com/sitemaps/locations.xml'],
    });
    expect(robots.rules.isAllowed('http://jenkinseyecare.com/wp-admin/options.php', 'pipectl/0.1')).toBe(false);
    expect(robots.rules.isAllowed('http://jenkinseyecare.com/contact-us/', 'pipectl/0.1')).toBe(true);
  });

  it('reads a robots.txt with a BOM, CRLF and upper-case directives, de-duplicating sitemaps', async () => {
    const robots = await new RobotsCache(client).forSite('harborbooks.co.uk', 'http');
    expect(robots.sitemaps).toEqual([
      'http://harborbooks.co.uk/sitemap.txt',
      'http://harborbooks.co.uk/feed.rss',
      'http://harborbooks.co.uk/sitemap.xml.gz',
    ]);
  });

  it('treats a missing robots.txt (404) as allow-all, with no sitemaps and no error', async () => {
    const robots = await new RobotsCache(client).forSite('oakridge-plumbing.com', 'http');
    expect(robots).toMatchObject({ status: 404, sitemaps: [], error: null, fetchError: null });
    expect(robots.rules.isAllowed('http://oakridge-plumbing.com/contact/', 'pipectl/0.1')).toBe(true);
  });

  it('falls back to http with --scheme auto, and caches under the origin that answered', async () => {
    const cache = new RobotsCache(client);
    const robots = await cache.forSite('sunset-yoga.com', 'auto');
    expect(robots.origin).toBe('http://sunset-yoga.com');
    const before = site.requestsFor('sunset-yoga.com').length;
    await cache.forOrigin('http://sunset-yoga.com');
    expect(await cache.isAllowed('http://sunset-yoga.com/classes/yin')).toBe(true);
    expect(site.requestsFor('sunset-yoga.com').length).toBe(before);
  });

  it('fetches once for concurrent and repeated requests, and again on refresh', async () => {
    const cache = new RobotsCache(client);
    const before = site.requestsFor('brightsmile-dental.com').length;
    await Promise.all([
      cache.forSite('brightsmile-dental.com', 'http'),
      cache.forSite('brightsmile-dental.com', 'http'),
    ]);
    await cache.forSite('brightsmile-dental.com', 'http');
    expect(site.requestsFor('brightsmile-dental.com').length - before).toBe(1);
    await cache.forSite('brightsmile-dental.com', 'http', { refresh: true });
    expect(site.requestsFor('brightsmile-dental.com').length - before).toBe(2);
  });

  it('reports an unreachable site as disallow-all with the fetch error, and a refused one as permanent', async () => {
    const down = await new RobotsCache(client).forOrigin('http://127.0.0.1:1');
    expect(down).toMatchObject({ status: null, sitemaps: [] });
    expect(down.fetchError?.code).toBe('ssrf_refused');
    expect(down.fetchError?.permanent).toBe(true);
    expect(down.rules.isAllowed('http://127.0.0.1:1/', 'pipectl/0.1')).toBe(false);

    const unguarded = new HttpClient({ allowPrivateNetwork: true, perHostDelayMs: 0 });
    const refused = await new RobotsCache(unguarded).forOrigin('http://127.0.0.1:1');
    expect(refused.fetchError?.code).toBe('connect');
    expect(refused.error).toContain('ECONNREFUSED');
    await unguarded.close();
  });
});

describe('RobotsCache and aborts', () => {
  it('does not remember a fetch that was aborted', async () => {
    const site = await startSiteServer();
    const client = new HttpClient({ connectTo: parseConnectToList([...site.connectTo]), perHostDelayMs: 0 });
    try {
      const cache = new RobotsCache(client);
      const aborted = await cache.forOrigin('http://jenkinseyecare.com', { signal: AbortSignal.abort() });
      expect(aborted.fetchError?.code).toBe('aborted');
      await new Promise((resolve) => setImmediate(resolve));
      const fresh = await cache.forOrigin('http://jenkinseyecare.com');
      expect(fresh).toMatchObject({ status: 200, error: null });
    } finally {
      await client.close();
      await site.close();
    }
  });
});
