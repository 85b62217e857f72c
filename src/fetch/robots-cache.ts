import { allowAllRobots, disallowAllRobots, parseRobotsRules, type RobotsRules } from '../parse/robots-rules.js';
import { extractRobotsSitemaps } from '../parse/robots-sitemaps.js';
import { robotsMaxBytes } from '../parse/robots-text.js';
import { FetchError } from './fetch-error.js';
import type { HttpClient } from './http-client.js';
import type { HttpResponse } from './http-response.js';
import { fetchFromSite, type Scheme } from './site-fetch.js';

/** A site's robots.txt as fetched, with the rules that follow from it. */
export interface RobotsTxt {
  /** The origin it governs (`https://jenkinseyecare.com`). */
  origin: string;
  /** The robots.txt URL asked for, and the URL that answered after redirects (null when none did). */
  url: string;
  finalUrl: string | null;
  /** HTTP status, or null when no response came. */
  status: number | null;
  /** `Sitemap:` URLs, resolved and de-duplicated (empty unless the status was 2xx). */
  sitemaps: string[];
  /**
   * Allow/disallow rules, per RFC 9309: the file's rules on 2xx; allow all on 4xx (no robots.txt);
   * disallow all on 5xx or when unreachable.
   */
  rules: RobotsRules;
  /** Why the file could not be read (a 5xx status, a network error); null when read or absent (4xx). */
  error: string | null;
  /** The fetch failure, when there was no response; lets a caller tell a refused (SSRF) site from a down one. */
  fetchError: FetchError | null;
}

export interface RobotsCacheOptions {
  /** How long a fetched robots.txt is reused, ms. Default 1 h. */
  ttlMs?: number;
  /** How long an unreachable robots.txt (5xx, network) is remembered, ms. Default 30 s. */
  errorTtlMs?: number;
  /** Entries kept; the oldest are dropped beyond it. Default 1000. */
  maxEntries?: number;
}

interface Entry {
  expires: number;
  value: Promise<RobotsTxt>;
}

/** Reads at most `robotsMaxBytes` + 1 bytes (the parser needs to see that the file went on), then stops downloading. */
async function readRobotsBody(response: HttpResponse): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of response) {
    chunks.push(chunk);
    length += chunk.length;
    if (length > robotsMaxBytes) break;
  }
  return Buffer.concat(chunks);
}

async function toRobots(origin: string, url: string, response: HttpResponse): Promise<RobotsTxt> {
  const base = { origin, url, finalUrl: response.finalUrl, status: response.status, fetchError: null };
  if (response.ok) {
    const body = await readRobotsBody(response);
    return {
      ...base,
      sitemaps: extractRobotsSitemaps(body, response.finalUrl),
      rules: parseRobotsRules(body, response.finalUrl),
      error: null,
    };
  }
  response.close();
  if (response.status >= 400 && response.status < 500) {
    return { ...base, sitemaps: [], rules: allowAllRobots, error: null };
  }
  return { ...base, sitemaps: [], rules: disallowAllRobots, error: `robots.txt answered HTTP ${response.status}` };
}

function unreachable(origin: string, url: string, err: unknown): RobotsTxt {
  if (!(err instanceof FetchError)) throw err;
  return {
    origin,
    url,
    finalUrl: null,
    status: null,
    sitemaps: [],
    rules: disallowAllRobots,
    error: err.message,
    fetchError: err,
  };
}

/**
 * Fetches robots.txt files and keeps them for a while, so that one worker asks each site once
 * per TTL however many of its pages it fetches. Concurrent requests for the same site share one fetch.
 */
export class RobotsCache {
  private readonly entries = new Map<string, Entry>();
  private readonly ttlMs: number;
  private readonly errorTtlMs: number;
  private readonly maxEntries: number;

  constructor(
    private readonly client: HttpClient,
    options: RobotsCacheOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? 3_600_000;
    this.errorTtlMs = options.errorTtlMs ?? 30_000;
    this.maxEntries = options.maxEntries ?? 1000;
  }

  /** The robots.txt of an origin (`https://host[:port]`). */
  forOrigin(origin: string, options: { signal?: AbortSignal; refresh?: boolean } = {}): Promise<RobotsTxt> {
    const url = `${origin}/robots.txt`;
    return this.cached(origin, options.refresh, async () => {
      try {
        return await toRobots(
          origin,
          url,
          await this.client.fetch(url, { signal: options.signal, accept: 'text/plain, */*;q=0.5' }),
        );
      } catch (err) {
        return unreachable(origin, url, err);
      }
    });
  }

  /**
   * The robots.txt of a site named by its domain, choosing the scheme by `--scheme` (`auto`:
   * https, then http when https cannot connect). `refresh` ignores a cached copy: WF4 wants the
   * file as it is now.
   */
  forSite(
    domain: string,
    scheme: Scheme,
    options: { signal?: AbortSignal; refresh?: boolean } = {},
  ): Promise<RobotsTxt> {
    return this.cached(`site ${scheme} ${domain}`, options.refresh, async () => {
      let origin = '';
      try {
        const fetched = await fetchFromSite(this.client, domain, '/robots.txt', scheme, {
          signal: options.signal,
          accept: 'text/plain, */*;q=0.5',
        });
        origin = fetched.origin;
        const robots = await toRobots(origin, `${origin}/robots.txt`, fetched.response);
        this.store(origin, Promise.resolve(robots), robots.error === null ? this.ttlMs : this.errorTtlMs);
        return robots;
      } catch (err) {
        const fallback = origin || `${scheme === 'http' ? 'http' : 'https'}://${domain}`;
        return unreachable(fallback, `${fallback}/robots.txt`, err);
      }
    });
  }

  /** Whether the client's user agent may fetch a URL, by its origin's robots.txt. */
  async isAllowed(url: string, options: { signal?: AbortSignal } = {}): Promise<boolean> {
    const robots = await this.forOrigin(new URL(url).origin, options);
    return robots.rules.isAllowed(url, this.client.userAgent);
  }

  private cached(key: string, refresh: boolean | undefined, load: () => Promise<RobotsTxt>): Promise<RobotsTxt> {
    const now = Date.now();
    const hit = this.entries.get(key);
    if (hit !== undefined && !refresh && hit.expires > now) return hit.value;
    const value = load();
    this.store(key, value, this.ttlMs);
    // Failures are kept only briefly: a site that was down should be asked again soon. An aborted
    // fetch (a worker shutting down) says nothing about the site and is not kept at all.
    void value.then((robots) => {
      if (this.entries.get(key)?.value !== value) return;
      if (robots.fetchError?.code === 'aborted') this.entries.delete(key);
      else if (robots.error !== null) this.store(key, value, this.errorTtlMs);
    });
    return value;
  }

  private store(key: string, value: Promise<RobotsTxt>, ttlMs: number): void {
    this.entries.delete(key);
    this.entries.set(key, { value, expires: Date.now() + ttlMs });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
  }
}
