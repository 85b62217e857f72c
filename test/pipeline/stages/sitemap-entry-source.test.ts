import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SitemapFile } from '../../../src/db/schema.js';
import { parseConnectToList } from '../../../src/fetch/connect-to.js';
import { HttpClient } from '../../../src/fetch/http-client.js';
import { PermanentJobError } from '../../../src/pipeline/stage.js';
import { createSitemapEntrySource } from '../../../src/pipeline/stages/sitemap/sitemap-entry-source.js';
import { type SiteServer, startSiteServer } from '../../fixtures/site-server.js';

const file = (url: string, finalUrl: string | null = null): SitemapFile => ({
  id: 1,
  domain_id: 1,
  job_id: null,
  parent_id: null,
  url,
  final_url: finalUrl,
  kind: 'urlset',
  http_status: 200,
  bytes: null,
  url_count: null,
  error: null,
  created_at: new Date(),
});

describe('createSitemapEntrySource (WF5 reads what WF4 recorded)', () => {
  let site: SiteServer;
  let client: HttpClient;
  const signal = new AbortController().signal;

  beforeAll(async () => {
    site = await startSiteServer();
    client = new HttpClient({ connectTo: parseConnectToList([...site.connectTo]), perHostDelayMs: 0 });
  });
  afterAll(async () => {
    await client.close();
    await site.close();
  });

  it('streams the entries of the final URL, gzip included', async () => {
    const source = createSitemapEntrySource(client);
    const batches = await source.open(file('http://jenkinseyecare.com/doctors-sitemap.xml.gz'), signal);
    const urls: string[] = [];
    for await (const batch of batches) urls.push(...batch.map((e) => e.url));
    expect(urls).toEqual([
      'http://jenkinseyecare.com/doctors/dr-amelia-jenkins/',
      'http://jenkinseyecare.com/doctors/dr-rafael-ortiz/',
    ]);
    expect(batches.summary).toMatchObject({ skipped: 0, error: null });
  });

  it('reads final_url when the file was redirected', async () => {
    const batches = await createSitemapEntrySource(client).open(
      file('http://jenkinseyecare.com/old-sitemap.xml', 'http://jenkinseyecare.com/post-sitemap.xml'),
      signal,
    );
    let count = 0;
    for await (const batch of batches) count += batch.length;
    expect(count).toBe(3);
  });

  it('fails for good on a 404 and for a retry on a 5xx', async () => {
    const source = createSitemapEntrySource(client);
    await expect(source.open(file('http://jenkinseyecare.com/gone.xml'), signal)).rejects.toBeInstanceOf(
      PermanentJobError,
    );
    const transient = await source
      .open(file('http://jenkinseyecare.com/category-sitemap.xml'), signal)
      .catch((e: unknown) => e);
    expect(transient).toBeInstanceOf(Error);
    expect(transient).not.toBeInstanceOf(PermanentJobError);
  });
});
