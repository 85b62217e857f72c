import { coerceError, errorCode } from '../errors.js';
import type { ConnectToRule } from './connect-to.js';
import { defaultMaxBytes } from './decode-body.js';
import { FetchError } from './fetch-error.js';
import { guardedConnector, type LookupAll } from './guarded-connector.js';
import { HostLimiter } from './host-limiter.js';
import { discard, HttpResponse } from './http-response.js';
import { Agent, request } from './undici-core.js';

/** Everything the HTTP client can be told; every field has a default. */
export interface HttpClientOptions {
  /** The User-Agent header. Default `pipectl/0.1 (+sitemap discovery)`; the CLI passes its version. */
  userAgent?: string;
  /** Time to resolve and connect (TLS included), ms. Default 10 s. */
  connectTimeoutMs?: number;
  /** Time from sending the request to the end of the response headers, ms. Default 20 s. */
  headersTimeoutMs?: number;
  /** Longest silence between two body chunks, ms. Default 20 s. */
  bodyTimeoutMs?: number;
  /** Whole request, redirects and body included, ms: stops a server that trickles bytes forever. Default 120 s. */
  requestTimeoutMs?: number;
  /** Redirects followed before giving up. Default 5. */
  maxRedirects?: number;
  /** Cap on a decompressed body, bytes. Default 50 MiB (the sitemap protocol's limit). */
  maxBytes?: number;
  /** Requests in flight per host. Default 2. */
  perHostConcurrency?: number;
  /** Minimum gap between request starts on one host, ms. Default 100. */
  perHostDelayMs?: number;
  /** Allow loopback/private/link-local/multicast targets (`--allow-private-network`). Default false. */
  allowPrivateNetwork?: boolean;
  /** `--connect-to` rules (parse them with `parseConnectToList`). Default none. */
  connectTo?: readonly ConnectToRule[];
  /** DNS resolution; default `dns.lookup` with all addresses. */
  lookupAll?: LookupAll;
}

/** Per-request options. */
export interface FetchOptions {
  /** Abort the request (and its body) with this signal. */
  signal?: AbortSignal;
  /** The Accept header. Default `*\/*`. */
  accept?: string;
  /** Override the client's body cap for this request. */
  maxBytes?: number;
  /**
   * Asked before each redirect is followed; returning false stops there and resolves with the
   * redirect response itself (its `redirectTarget` says where it pointed). WF4 uses it to stop
   * a redirect back to an ancestor sitemap without downloading the ancestor again.
   */
  followRedirect?: (target: string) => boolean;
}

export const defaultUserAgent = 'pipectl/0.1 (+sitemap discovery)';

const redirectStatuses = new Set([301, 302, 303, 307, 308]);

/** Error codes of undici and Node's sockets, mapped to what happened. */
const timeoutCodes: Record<string, string> = {
  UND_ERR_CONNECT_TIMEOUT: 'connecting timed out',
  UND_ERR_HEADERS_TIMEOUT: 'no response headers in time',
  UND_ERR_BODY_TIMEOUT: 'the body stalled',
  ETIMEDOUT: 'connecting timed out',
};

/**
 * The one HTTP client of pipectl, on undici: connect, header, body and whole-request timeouts;
 * redirects followed by hand (at most `maxRedirects`, each a new connection through the SSRF
 * guard, loops detected); gzip/deflate/br by Content-Encoding and gzip by magic bytes; a
 * decompressed size cap; a User-Agent; per-host concurrency and politeness delay; `--connect-to`.
 *
 * HTTP error statuses are not exceptions: `fetch` resolves with any final response and the caller
 * judges `status`. It rejects with a `FetchError` when there is no response to judge.
 */
export class HttpClient {
  readonly userAgent: string;
  /** The least time between the starts of two requests to one host, in ms. */
  readonly perHostDelayMs: number;
  private readonly agent: InstanceType<typeof Agent>;
  private readonly limiter: HostLimiter;
  private readonly options: Required<
    Pick<HttpClientOptions, 'headersTimeoutMs' | 'bodyTimeoutMs' | 'requestTimeoutMs' | 'maxRedirects' | 'maxBytes'>
  >;

  constructor(options: HttpClientOptions = {}) {
    this.userAgent = options.userAgent ?? defaultUserAgent;
    this.options = {
      headersTimeoutMs: options.headersTimeoutMs ?? 20_000,
      bodyTimeoutMs: options.bodyTimeoutMs ?? 20_000,
      requestTimeoutMs: options.requestTimeoutMs ?? 120_000,
      maxRedirects: options.maxRedirects ?? 5,
      maxBytes: options.maxBytes ?? defaultMaxBytes,
    };
    this.perHostDelayMs = options.perHostDelayMs ?? 100;
    this.limiter = new HostLimiter({
      concurrency: options.perHostConcurrency ?? 2,
      delayMs: this.perHostDelayMs,
    });
    this.agent = new Agent({
      connect: guardedConnector({
        allowPrivateNetwork: options.allowPrivateNetwork,
        connectTo: options.connectTo,
        connectTimeoutMs: options.connectTimeoutMs,
        lookupAll: options.lookupAll,
      }),
      headersTimeout: this.options.headersTimeoutMs,
      bodyTimeout: this.options.bodyTimeoutMs,
    });
  }

  /**
   * GETs a URL, following redirects, and resolves once the final response's headers are in.
   * Rejects with a `FetchError` (`invalid_url`, `ssrf_refused`, `dns`, `connect`, `timeout`,
   * `too_many_redirects`, `bad_redirect`, `aborted`).
   */
  async fetch(url: string | URL, options: FetchOptions = {}): Promise<HttpResponse> {
    const requested = String(url);
    let current = parseHttpUrl(requested, requested);
    const timeout = AbortSignal.timeout(this.options.requestTimeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    const mapError = (err: unknown, at: string) => this.mapError(err, at, options.signal, timeout);
    const chain: string[] = [];
    for (;;) {
      const release = await this.limiter.acquire(current.host, signal).catch((err: unknown) => {
        throw mapError(err, current.href);
      });
      let response: Awaited<ReturnType<typeof request>>;
      try {
        response = await request(this.agent, {
          origin: current.origin,
          path: `${current.pathname}${current.search}`,
          method: 'GET',
          headers: {
            'user-agent': this.userAgent,
            accept: options.accept ?? '*/*',
            'accept-encoding': 'gzip, deflate',
          },
          signal,
        });
      } catch (err) {
        release();
        throw mapError(err, current.href);
      }
      const location = response.headers.location;
      if (redirectStatuses.has(response.statusCode) && location !== undefined) {
        // The body of a redirect is never read: drop it and free the slot before the next hop.
        discard(response.body);
        release();
        chain.push(current.href);
        const target = Array.isArray(location) ? location[0] : location;
        let next: URL;
        try {
          next = new URL(target ?? '', current);
        } catch {
          throw new FetchError('bad_redirect', current.href, `${current.href} redirects to an invalid URL "${target}"`);
        }
        if (next.protocol !== 'http:' && next.protocol !== 'https:') {
          throw new FetchError(
            'bad_redirect',
            current.href,
            `${current.href} redirects to ${next.protocol} URL ${next.href}`,
          );
        }
        next.hash = '';
        if (options.followRedirect?.(next.href) === false) {
          return new HttpResponse({
            url: requested,
            finalUrl: current.href,
            status: response.statusCode,
            headers: response.headers,
            redirects: chain.slice(0, -1),
            redirectTarget: next.href,
            raw: response.body,
            maxBytes: 0,
            release: () => {},
            mapError,
          });
        }
        if (chain.includes(next.href)) {
          throw new FetchError('too_many_redirects', requested, `redirect loop: ${[...chain, next.href].join(' → ')}`);
        }
        if (chain.length > this.options.maxRedirects) {
          throw new FetchError(
            'too_many_redirects',
            requested,
            `more than ${this.options.maxRedirects} redirects: ${[...chain, next.href].join(' → ')}`,
          );
        }
        current = next;
        continue;
      }
      return new HttpResponse({
        url: requested,
        finalUrl: current.href,
        status: response.statusCode,
        headers: response.headers,
        redirects: chain,
        redirectTarget: null,
        raw: response.body,
        maxBytes: options.maxBytes ?? this.options.maxBytes,
        release,
        mapError,
      });
    }
  }

  /** Closes every connection. In-flight requests fail. */
  async close(): Promise<void> {
    await this.agent.destroy();
  }

  private mapError(err: unknown, url: string, callerSignal: AbortSignal | undefined, timeout: AbortSignal): Error {
    if (err instanceof FetchError) return err;
    if (callerSignal?.aborted) return new FetchError('aborted', url, `fetching ${url} was aborted`, { cause: err });
    if (timeout.aborted) {
      return new FetchError('timeout', url, `fetching ${url} took longer than ${this.options.requestTimeoutMs} ms`, {
        cause: err,
      });
    }
    const code = errorCode(err);
    const timedOut = code === undefined ? undefined : timeoutCodes[code];
    if (timedOut !== undefined) return new FetchError('timeout', url, `${url}: ${timedOut}`, { cause: err });
    if (code === 'ENOTFOUND') return new FetchError('dns', url, `${url}: host not found`, { cause: err });
    const { message } = coerceError(err);
    const detail = code === undefined ? message : `${code}${message ? ` (${message})` : ''}`;
    return new FetchError('connect', url, `${url}: ${detail}`, { cause: err });
  }
}

/** Parses a URL the client may fetch, or throws `invalid_url`. */
function parseHttpUrl(text: string, requested: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new FetchError('invalid_url', requested, `"${text}" is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new FetchError('invalid_url', requested, `${text}: only http and https URLs can be fetched`);
  }
  url.hash = '';
  return url;
}
