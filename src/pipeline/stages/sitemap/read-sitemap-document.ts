import { FetchError, type FetchErrorCode } from '../../../fetch/fetch-error.js';
import type { HttpClient } from '../../../fetch/http-client.js';
import type { SitemapDocumentKind } from '../../../parse/sitemap-entry.js';
import { SitemapReader } from '../../../parse/sitemap-reader.js';

/** The Accept header for sitemap requests: every format WF4 reads, XML first. */
export const sitemapAccept =
  'application/xml, text/xml;q=0.9, application/rss+xml;q=0.9, application/atom+xml;q=0.9, text/plain;q=0.8, */*;q=0.5';

/** What fetching and reading one sitemap URL gave. */
export interface SitemapDocument {
  url: string;
  /** The URL that answered after redirects; null when nothing answered. */
  finalUrl: string | null;
  httpStatus: number | null;
  kind: SitemapDocumentKind;
  /** Decompressed bytes read. */
  bytes: number | null;
  /** Entries with a usable URL (pages, or child sitemaps for an index); null when nothing was read. */
  urlCount: number | null;
  error: string | null;
  /** The failure may go away on retry: a 5xx/408/429 status, a network error or a timeout. */
  transient: boolean;
  /** The fetch layer's code when fetching or reading failed (`too_large` for a gzip bomb). */
  errorCode: FetchErrorCode | null;
  /** Child sitemap URLs of an index, at most `maxChildren` of them. */
  children: string[];
  /** Children listed beyond `maxChildren`, counted but not kept. */
  childrenDropped: number;
  /** Set when the URL redirected to one of `ancestors`: the body was not read. */
  cycleTo: string | null;
}

export interface ReadSitemapDocumentOptions {
  signal: AbortSignal;
  /** URLs of the indexes above this one (and their final URLs): a redirect to one of them is a cycle. */
  ancestors: ReadonlySet<string>;
  /** Child URLs of an index kept; the rest are counted. */
  maxChildren: number;
}

const transientStatuses = new Set([408, 425, 429]);

/** HTTP statuses that may succeed later. */
export function isTransientStatus(status: number): boolean {
  return status >= 500 || transientStatuses.has(status);
}

/**
 * Fetches one sitemap URL and reads it to the end, streaming: every kind is counted, an index's
 * children are collected. Failures are returned, not thrown, because WF4 records them; only an
 * abort (the job is stopping) or a bug propagates.
 */
export async function readSitemapDocument(
  client: HttpClient,
  url: string,
  options: ReadSitemapDocumentOptions,
): Promise<SitemapDocument> {
  const doc: SitemapDocument = {
    url,
    finalUrl: null,
    httpStatus: null,
    kind: 'invalid',
    bytes: null,
    urlCount: null,
    error: null,
    transient: false,
    errorCode: null,
    children: [],
    childrenDropped: 0,
    cycleTo: null,
  };
  let response: Awaited<ReturnType<HttpClient['fetch']>>;
  try {
    response = await client.fetch(url, {
      signal: options.signal,
      accept: sitemapAccept,
      // A redirect back to an index above this one is a cycle: stop before fetching it again.
      followRedirect: (target) => !options.ancestors.has(target),
    });
  } catch (err) {
    if (!(err instanceof FetchError) || err.code === 'aborted') throw err;
    return { ...doc, error: err.message, transient: !err.permanent, errorCode: err.code };
  }
  doc.httpStatus = response.status;
  if (response.redirectTarget !== null) {
    response.close();
    return { ...doc, finalUrl: response.redirectTarget, cycleTo: response.redirectTarget };
  }
  doc.finalUrl = response.finalUrl;
  if (!response.ok) {
    response.close();
    return { ...doc, error: `HTTP ${response.status}`, transient: isTransientStatus(response.status) };
  }
  const reader = new SitemapReader(response, { locateXmlErrors: true });
  try {
    for await (const batch of reader) {
      if (reader.summary.kind !== 'index') continue;
      for (const entry of batch) {
        if (doc.children.length < options.maxChildren) doc.children.push(entry.url);
        else doc.childrenDropped++;
      }
    }
  } catch (err) {
    if (!(err instanceof FetchError) || err.code === 'aborted') throw err;
    // Entries complete before the failure (a stalled body, the size cap) are still counted.
    doc.error = err.message;
    doc.transient = !err.permanent;
    doc.errorCode = err.code;
  }
  const summary = reader.summary;
  doc.kind = summary.kind ?? 'invalid';
  doc.bytes = response.bytesRead;
  doc.urlCount = summary.entries;
  doc.error ??= summary.error;
  return doc;
}
