import http from 'node:http';
import robotsParserModule from 'robots-parser';
import type { SitemapFile } from '../../../src/db/schema.js';
import type {
  FetchedPage,
  PageFetcher,
  RobotsPolicy,
  RobotsVerdict,
} from '../../../src/pipeline/stages/contact-scan-stage.js';
import type {
  PageEntry,
  SitemapEntryBatches,
  SitemapEntrySource,
} from '../../../src/pipeline/stages/page-import-stage.js';

/*
 * Stand-ins for a stage's collaborators: a fetcher and a robots policy that reach a fixture server
 * without the fetch layer, and sitemap entries from memory without a parser.
 */

// The package is CommonJS: its module.exports is the function that its types call the default export.
const robotsParser = robotsParserModule as unknown as typeof robotsParserModule.default;

/**
 * A PageFetcher that sends every request to a fixture server on 127.0.0.1 (test/fixtures/site-server.ts),
 * keeping the page's host in the Host header: the stages without the fetch layer (src/fetch).
 */
export function loopbackFetcher(port: number): PageFetcher {
  return {
    fetchText(url: string, signal: AbortSignal): Promise<FetchedPage> {
      const target = new URL(url);
      return new Promise((resolve, reject) => {
        const req = http.get(
          {
            host: '127.0.0.1',
            port,
            path: `${target.pathname}${target.search}`,
            headers: { host: target.host },
            signal,
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () =>
              resolve({
                status: res.statusCode ?? 0,
                body: Buffer.concat(chunks),
                finalUrl: url,
                contentType: res.headers['content-type'] ?? null,
              }),
            );
            res.on('error', reject);
          },
        );
        req.on('error', reject);
      });
    },
  };
}

/** robots.txt through a fetcher, cached per origin, parsed with robots-parser; a missing file allows all. */
export function robotsTxtPolicy(fetcher: PageFetcher, userAgent: string): RobotsPolicy {
  const cache = new Map<string, Promise<ReturnType<typeof robotsParser>>>();
  return {
    async check(url: string, signal: AbortSignal): Promise<RobotsVerdict> {
      const origin = new URL(url).origin;
      let rules = cache.get(origin);
      if (rules === undefined) {
        const robotsUrl = `${origin}/robots.txt`;
        rules = fetcher.fetchText(robotsUrl, signal).then((r) => {
          const text = r.status === 200 ? Buffer.from(r.body).toString('utf8') : '';
          return robotsParser(robotsUrl, text);
        });
        cache.set(origin, rules);
      }
      return (await rules).isAllowed(url, userAgent) === false
        ? { allowed: false, reason: `disallowed by robots.txt for ${userAgent}` }
        : { allowed: true };
    },
  };
}

/** A page entry as a sitemap parser yields it. */
export function entry(url: string, fields: Partial<Omit<PageEntry, 'url'>> = {}): PageEntry {
  return { url, lastmod: null, changefreq: null, priority: null, ...fields };
}

/**
 * A SitemapEntrySource over in-memory documents keyed by sitemap file URL, yielding batches of
 * `chunk` entries; `pulled` counts the entries handed out per URL, to show where reading stopped.
 */
export function memoryEntrySource(
  documents: Record<string, PageEntry[]>,
  options: { chunk?: number; skipped?: number; error?: string | null; kind?: string } = {},
): SitemapEntrySource & { pulled: Map<string, number>; opened: string[] } {
  const pulled = new Map<string, number>();
  const opened: string[] = [];
  const chunk = options.chunk ?? 7;
  return {
    pulled,
    opened,
    async open(file: SitemapFile): Promise<SitemapEntryBatches> {
      const url = file.final_url ?? file.url;
      opened.push(url);
      const entries = documents[url] ?? [];
      return {
        summary: { kind: options.kind ?? 'urlset', skipped: options.skipped ?? 0, error: options.error ?? null },
        async *[Symbol.asyncIterator]() {
          for (let i = 0; i < entries.length; i += chunk) {
            const batch = entries.slice(i, i + chunk);
            pulled.set(url, (pulled.get(url) ?? 0) + batch.length);
            yield batch;
          }
        },
      };
    },
  };
}
