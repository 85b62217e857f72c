import pLimit from 'p-limit';
import type { Logger } from 'pino';
import type { HttpClient } from '../../../fetch/http-client.js';
import type { RobotsCache } from '../../../fetch/robots-cache.js';
import type { Scheme } from '../../../fetch/site-fetch.js';
import { pageListKinds, type SitemapDocumentKind } from '../../../parse/sitemap-entry.js';
import { readSitemapDocument, type SitemapDocument } from './read-sitemap-document.js';

/** How one sitemap file came to be known. */
export type SitemapSource = 'robots' | 'well-known' | 'index';

/** One document WF4 fetched: a future `sitemap_files` row. */
export interface DiscoveredFile {
  url: string;
  finalUrl: string | null;
  /** Index in `files` of the sitemap index that listed it; null for a top-level file. */
  parent: number | null;
  /** 0 for a top-level file, parent's depth + 1 below an index. */
  depth: number;
  source: SitemapSource;
  kind: SitemapDocumentKind;
  httpStatus: number | null;
  bytes: number | null;
  urlCount: number | null;
  /** What went wrong with it, or what of it was not followed; null when nothing. */
  error: string | null;
  /**
   * Gets a `page_import` job: a page list with at least one URL, not a duplicate or a cycle, and
   * not cut at the size cap (the protocol's own limit is 50 MB: a bigger file is a bomb or a
   * mistake, and importing it would download it all again).
   */
  importable: boolean;
  /** Its failure may go away on retry. */
  transient: boolean;
}

/** One well-known path that was probed and missed. */
export interface ProbeMiss {
  path: string;
  outcome: string;
  transient: boolean;
}

/** Everything WF4 learned about a domain's sitemaps. */
export interface SitemapDiscovery {
  domain: string;
  /** The origin that answered robots.txt (`http://jenkinseyecare.com`); null when the site was unreachable. */
  origin: string | null;
  robots: {
    url: string;
    status: number | null;
    sitemaps: number;
    error: string | null;
    /** No response at all: the site could not be reached (or was refused). */
    unreachable: boolean;
    /** When unreachable: retrying may help (network, timeout), or cannot (SSRF refusal, unknown host). */
    transient: boolean;
  };
  probes: ProbeMiss[];
  /** In breadth-first order, parents before children. */
  files: DiscoveredFile[];
}

export interface DiscoverSitemapsOptions {
  client: HttpClient;
  robots: RobotsCache;
  scheme: Scheme;
  /** Index levels followed below a top-level sitemap. */
  maxDepth: number;
  /** Documents fetched per domain. */
  maxFiles: number;
  wellKnownPaths: readonly string[];
  /** Documents fetched at once (per-host limits of the client still apply). */
  concurrency: number;
  signal: AbortSignal;
  logger?: Logger;
}

interface Pending {
  url: string;
  parent: number | null;
  depth: number;
  source: SitemapSource;
}

function describeMiss(doc: SitemapDocument): string {
  if (doc.error !== null) return doc.error;
  if (doc.kind === 'invalid') return 'not a sitemap';
  return `${doc.kind} without URLs`;
}

function toFile(item: Pending, doc: SitemapDocument): DiscoveredFile {
  return {
    url: item.url,
    finalUrl: doc.finalUrl,
    parent: item.parent,
    depth: item.depth,
    source: item.source,
    kind: doc.kind,
    httpStatus: doc.httpStatus,
    bytes: doc.bytes,
    urlCount: doc.urlCount,
    error: doc.error,
    importable: pageListKinds.has(doc.kind) && (doc.urlCount ?? 0) > 0 && doc.errorCode !== 'too_large',
    transient: doc.transient,
  };
}

function appendError(file: DiscoveredFile, note: string): void {
  file.error = file.error === null ? note : `${file.error}; ${note}`;
}

/**
 * WF4's network half: reads robots.txt (fresh, not cached), takes its `Sitemap:` URLs or, when
 * it names none, probes the well-known paths that robots.txt allows, in their fixed order, then
 * follows sitemap indexes breadth-first.
 *
 * - Depth: a top-level sitemap is depth 0; children of an index at `maxDepth` are not fetched
 *   (the index records how many were skipped).
 * - Cycles: an index that lists one of its ancestors, or a child that redirects back to one,
 *   is not followed again; the index (or the child) records the cycle.
 * - Duplicates: a URL already fetched, or one that redirects to a document already read, is
 *   not fetched/followed twice, so `sitemap_files` stays unique per (domain, url).
 * - `maxFiles` bounds the documents fetched per domain.
 *
 * Every document fetched is returned, failures included.
 */
export async function discoverSitemaps(domain: string, options: DiscoverSitemapsOptions): Promise<SitemapDiscovery> {
  const { client, signal, logger } = options;
  const robots = await options.robots.forSite(domain, options.scheme, { signal, refresh: true });
  const discovery: SitemapDiscovery = {
    domain,
    origin: robots.fetchError === null ? robots.origin : null,
    robots: {
      url: robots.url,
      status: robots.status,
      sitemaps: robots.sitemaps.length,
      error: robots.error,
      unreachable: robots.fetchError !== null,
      transient: robots.fetchError !== null && !robots.fetchError.permanent,
    },
    probes: [],
    files: [],
  };
  if (robots.fetchError?.code === 'aborted') throw robots.fetchError;
  if (discovery.origin === null) return discovery;
  logger?.debug({ domain, robots: discovery.robots }, 'robots.txt read');

  const files = discovery.files;
  /** Every URL fetched or queued, and every final URL read: never fetched or recorded twice. */
  const known = new Set<string>();
  const ancestorsOf = (parent: number | null): Set<string> => {
    const set = new Set<string>();
    for (let i = parent; i !== null; i = files[i]?.parent ?? null) {
      const f = files[i];
      if (f === undefined) break;
      set.add(f.url);
      if (f.finalUrl !== null) set.add(f.finalUrl);
    }
    return set;
  };
  const read = (url: string, parent: number | null) =>
    readSitemapDocument(client, url, {
      signal,
      ancestors: ancestorsOf(parent),
      maxChildren: options.maxFiles,
    });

  let level: Pending[] = [];
  let probed: { item: Pending; doc: SitemapDocument } | undefined;
  if (robots.sitemaps.length > 0) {
    for (const url of robots.sitemaps.slice(0, options.maxFiles)) {
      known.add(url);
      level.push({ url, parent: null, depth: 0, source: 'robots' });
    }
  } else {
    for (const path of options.wellKnownPaths) {
      const url = new URL(path, discovery.origin).href;
      // A guess is not a URL the site gave us: robots.txt decides whether we may fetch it.
      // (Sitemaps that robots.txt or an index names are the site's own invitation.)
      if (!robots.rules.isAllowed(url, client.userAgent)) {
        discovery.probes.push({ path, outcome: 'disallowed by robots.txt', transient: false });
        continue;
      }
      const doc = await read(url, null);
      if (doc.httpStatus !== null && doc.httpStatus < 300 && doc.kind !== 'invalid' && (doc.urlCount ?? 0) > 0) {
        probed = { item: { url, parent: null, depth: 0, source: 'well-known' }, doc };
        known.add(url);
        break;
      }
      discovery.probes.push({
        path,
        outcome:
          doc.httpStatus === null || doc.error?.startsWith('HTTP ')
            ? describeMiss(doc)
            : `HTTP ${doc.httpStatus}: ${describeMiss(doc)}`,
        transient: doc.transient,
      });
    }
    if (probed === undefined) return discovery;
  }

  const limit = pLimit(options.concurrency);
  while (level.length > 0 || probed !== undefined) {
    const docs =
      probed !== undefined
        ? [probed.doc]
        : await Promise.all(level.map((item) => limit(() => read(item.url, item.parent))));
    if (probed !== undefined) level = [probed.item];
    probed = undefined;
    const next: Pending[] = [];
    // Documents of this level count against maxFiles before any of their children.
    const fetched = files.length + level.length;
    level.forEach((item, i) => {
      const doc = docs[i] as SitemapDocument;
      const index = files.length;
      const file = toFile(item, doc);
      files.push(file);
      if (doc.cycleTo !== null) {
        file.kind = files.find((f) => f.url === doc.cycleTo || f.finalUrl === doc.cycleTo)?.kind ?? 'index';
        file.importable = false;
        appendError(file, `redirects back to its ancestor ${doc.cycleTo}: a cycle, not followed`);
        return;
      }
      if (doc.finalUrl !== null && doc.finalUrl !== item.url) {
        if (known.has(doc.finalUrl)) {
          // Another URL already led to this document: it is recorded and followed once, there.
          file.importable = false;
          appendError(file, `redirects to ${doc.finalUrl}, already read: not imported twice`);
          return;
        }
        known.add(doc.finalUrl);
      }
      if (doc.kind !== 'index') return;
      const ancestors = ancestorsOf(index);
      let cycles = 0;
      let tooDeep = 0;
      let overLimit = doc.childrenDropped;
      for (const child of doc.children) {
        if (ancestors.has(child)) cycles++;
        else if (known.has(child)) continue;
        else if (item.depth + 1 > options.maxDepth) tooDeep++;
        else if (fetched + next.length >= options.maxFiles) overLimit++;
        else {
          known.add(child);
          next.push({ url: child, parent: index, depth: item.depth + 1, source: 'index' });
        }
      }
      if (cycles > 0)
        appendError(
          file,
          `lists ${cycles === 1 ? 'an ancestor' : `${cycles} ancestors`} (itself or an index above it): a cycle, not followed`,
        );
      if (tooDeep > 0)
        appendError(file, `depth limit ${options.maxDepth} reached: ${tooDeep} child sitemap(s) not followed`);
      if (overLimit > 0)
        appendError(
          file,
          `limit of ${options.maxFiles} sitemap files per domain reached: ${overLimit} child sitemap(s) not followed`,
        );
    });
    level = next;
  }
  logger?.debug({ domain, files: files.length }, 'sitemaps discovered');
  return discovery;
}
