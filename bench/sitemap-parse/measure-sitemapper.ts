import Sitemapper from 'sitemapper';
import { startMeasurement } from './measurement.js';

/**
 * Child process: fetches and parses one sitemap URL with the `sitemapper` package (got +
 * fast-xml-parser, whole document in memory), asking for the same fields pipectl reads, then
 * reports URLs and peak RSS.
 */
const url = process.argv[2] ?? '';
const done = startMeasurement('sitemapper');
const mapper = new Sitemapper({
  url,
  timeout: 600_000,
  fields: { loc: true, lastmod: true, changefreq: true, priority: true },
});
const result = await mapper.fetch();
done(result.sites.length, result.errors.length > 0 ? JSON.stringify(result.errors[0]) : undefined);
