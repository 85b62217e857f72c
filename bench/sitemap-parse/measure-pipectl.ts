import { HttpClient } from '../../src/fetch/http-client.js';
import { SitemapReader } from '../../src/parse/sitemap-reader.js';
import { startMeasurement } from './measurement.js';

/**
 * Child process: fetches one sitemap URL with pipectl's HTTP client and parses it with its
 * streaming SitemapReader — every field of every entry (URL normalized, lastmod as a Date,
 * changefreq and priority validated) — then reports URLs and peak RSS.
 */
const url = process.argv[2] ?? '';
const done = startMeasurement('pipectl');
// The benchmark server is on loopback; the SSRF guard would rightly refuse it otherwise.
const client = new HttpClient({ allowPrivateNetwork: true, maxBytes: 1024 * 1024 * 1024, requestTimeoutMs: 600_000 });
let urls = 0;
let lastmods = 0;
const reader = new SitemapReader(await client.fetch(url));
for await (const batch of reader) {
  urls += batch.length;
  for (const entry of batch) if (entry.lastmod !== null) lastmods++;
}
done(urls, lastmods === urls ? (reader.summary.error ?? undefined) : `only ${lastmods} lastmods parsed`);
await client.close();
