import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SiteServer, startSiteServer } from '../../../../src/demo/site-server.js';
import { parseConnectToList } from '../../../../src/fetch/connect-to.js';
import { HttpClient } from '../../../../src/fetch/http-client.js';
import { readSitemapDocument } from '../../../../src/pipeline/stages/sitemap/read-sitemap-document.js';

const broken = readFileSync(new URL('../../../parse/fixtures/mismatched-close.xml', import.meta.url));

let server: SiteServer;
let client: HttpClient;

beforeAll(async () => {
  server = await startSiteServer({ 'broken-close.test': { '/sitemap.xml': { body: broken } } });
  client = new HttpClient({ connectTo: parseConnectToList([...server.connectTo]), perHostDelayMs: 0 });
});
afterAll(async () => {
  await client.close();
  await server.close();
});

describe('readSitemapDocument (WF4)', () => {
  it('records where a broken sitemap first breaks XML, by line and column', async () => {
    const doc = await readSitemapDocument(client, 'http://broken-close.test/sitemap.xml', {
      signal: new AbortController().signal,
      ancestors: new Set(),
      maxChildren: 10,
    });
    expect(doc).toMatchObject({ httpStatus: 200, kind: 'urlset', urlCount: 2, transient: false });
    expect(doc.error).toMatch(/^truncated: .*; first XML error at line 5, column 1: Expected closing tag 'urlset'/);
  });
});
