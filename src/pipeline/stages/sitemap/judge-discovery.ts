import type { SitemapDiscovery } from './discover-sitemaps.js';

/**
 * How a domain's WF4 job ends (docs/architecture.md, "A site's defects are outcomes, not pipeline failures"):
 * - `complete`: every deterministic outcome of the site — sitemaps with pages, or none, a 404,
 *   a soft 404 (HTML), an invalid document, a redirect loop, an SSRF refusal, a robots.txt
 *   that forbids the probes. The domain is `complete`; `reason` goes to
 *   `sitemap_analysis_error` when it has no page URLs to import, and is null otherwise;
 * - `retry`: nothing usable, but a failure may be temporary (5xx, network, timeout): the job
 *   fails this attempt and is retried; when its attempts run out the domain ends `error`.
 */
export type DiscoveryVerdict = { outcome: 'complete'; reason: string | null } | { outcome: 'retry'; reason: string };

/** Longest reason stored: enough for a few failures, short enough to read in a table. */
const maxReasonLength = 1000;

function clip(text: string): string {
  return text.length <= maxReasonLength ? text : `${text.slice(0, maxReasonLength - 1)}…`;
}

function listFailures(items: string[]): string {
  const shown = items.slice(0, 3).join('; ');
  return items.length > 3 ? `${shown}; …and ${items.length - 3} more` : shown;
}

/** Decides the outcome of a discovery, and says why in words an on-call engineer can act on. */
export function judgeDiscovery(d: SitemapDiscovery): DiscoveryVerdict {
  if (d.robots.unreachable) {
    return {
      outcome: d.robots.transient ? 'retry' : 'complete',
      reason: clip(`cannot fetch ${d.robots.url}: ${d.robots.error ?? 'no response'}`),
    };
  }
  if (d.files.some((f) => f.importable)) return { outcome: 'complete', reason: null };

  if (d.files.length === 0) {
    const robots =
      d.robots.status !== null && d.robots.status >= 200 && d.robots.status < 300
        ? 'robots.txt lists no Sitemap'
        : `robots.txt ${d.robots.error ?? `answered HTTP ${d.robots.status}`}`;
    const probes = d.probes.map((p) => `${p.path} (${p.outcome})`).join(', ');
    const reason = clip(`no sitemap found: ${robots}; probed ${probes || 'nothing'}`);
    // A server error on robots.txt or a probe may hide a sitemap that exists: ask again later.
    const temporary = d.robots.error !== null || d.probes.some((p) => p.transient);
    return temporary ? { outcome: 'retry', reason } : { outcome: 'complete', reason };
  }

  const failures = d.files.filter((f) => f.error !== null).map((f) => `${f.url}: ${f.error}`);
  const emptyLists = d.files.filter((f) => f.kind !== 'index' && f.kind !== 'invalid' && f.error === null);
  const found = `${d.files.length} sitemap file${d.files.length === 1 ? '' : 's'}`;
  if (d.files.some((f) => f.transient)) {
    return { outcome: 'retry', reason: clip(`no usable sitemap among ${found}: ${listFailures(failures)}`) };
  }
  if (emptyLists.length > 0) {
    const detail = failures.length > 0 ? `; ${listFailures(failures)}` : '';
    return { outcome: 'complete', reason: clip(`${found} found, but they list no page URLs${detail}`) };
  }
  return { outcome: 'complete', reason: clip(`no usable sitemap among ${found}: ${listFailures(failures)}`) };
}
