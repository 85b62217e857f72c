/**
 * Why a fetch failed before an HTTP status could be read:
 * - `ssrf_refused`: the target is a loopback, private, link-local or multicast address;
 * - `dns`: the host name does not resolve;
 * - `connect`: the connection was refused, reset or could not be made (TLS included);
 * - `timeout`: connecting, waiting for headers, waiting between body chunks, or the whole request took too long;
 * - `too_large`: the (decompressed) body passed the size cap;
 * - `too_many_redirects`: more than the allowed redirects, or a redirect loop;
 * - `bad_redirect`: a redirect without a usable Location, or to a scheme other than http(s);
 * - `bad_encoding`: the body could not be decompressed;
 * - `invalid_url`: the URL cannot be fetched (malformed, not http(s));
 * - `aborted`: the caller's signal was aborted.
 */
export type FetchErrorCode =
  | 'ssrf_refused'
  | 'dns'
  | 'connect'
  | 'timeout'
  | 'too_large'
  | 'too_many_redirects'
  | 'bad_redirect'
  | 'bad_encoding'
  | 'invalid_url'
  | 'aborted';

/** Failures that the same request cannot fix by being retried later. */
const permanentCodes = new Set<FetchErrorCode>([
  'ssrf_refused',
  'dns',
  'too_large',
  'too_many_redirects',
  'bad_redirect',
  'bad_encoding',
  'invalid_url',
]);

/** A fetch that failed without an HTTP response to judge: the message names the URL and the cause. */
export class FetchError extends Error {
  readonly code: FetchErrorCode;
  readonly url: string;

  constructor(code: FetchErrorCode, url: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'FetchError';
    this.code = code;
    this.url = url;
  }

  /** True when retrying the same request later cannot help (see `permanentCodes`). */
  get permanent(): boolean {
    return permanentCodes.has(this.code);
  }
}
