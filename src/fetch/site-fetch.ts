import { coerceError } from '../errors.js';
import { FetchError } from './fetch-error.js';
import type { FetchOptions, HttpClient } from './http-client.js';
import type { HttpResponse } from './http-response.js';

/** `--scheme`: how a bare domain becomes a URL. `auto` tries https, then http. */
export type Scheme = 'auto' | 'https' | 'http';

export const schemes: readonly Scheme[] = ['auto', 'https', 'http'];

/**
 * The origins to try for a domain, in order: `https://d` then `http://d` for `auto`. The domain
 * may carry a port (`shop.example:8080`). Throws `invalid_url` for anything that is not a bare host.
 */
export function siteOrigins(domain: string, scheme: Scheme): string[] {
  const protocols = scheme === 'auto' ? ['https:', 'http:'] : [`${scheme}:`];
  return protocols.map((protocol) => {
    let url: URL;
    try {
      url = new URL(`${protocol}//${domain.trim()}`);
    } catch {
      throw new FetchError('invalid_url', domain, `"${domain}" is not a valid domain name`);
    }
    if (url.pathname !== '/' || url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
      throw new FetchError('invalid_url', domain, `"${domain}" is not a bare domain name`);
    }
    return url.origin;
  });
}

/** Failures after which the next scheme is worth a try: the https port is closed, filtered, or not TLS. */
function tryNextScheme(err: unknown): boolean {
  return err instanceof FetchError && (err.code === 'connect' || err.code === 'timeout');
}

/**
 * Fetches a path on a site named by its domain, choosing the scheme by `--scheme`: with `auto`,
 * https first, and http when https cannot connect (refused, reset, not TLS, timed out). An HTTP
 * status, even an error, settles the scheme. Resolves with the response and the origin that answered.
 */
export async function fetchFromSite(
  client: HttpClient,
  domain: string,
  path: string,
  scheme: Scheme,
  options: FetchOptions = {},
): Promise<{ origin: string; response: HttpResponse }> {
  const origins = siteOrigins(domain, scheme);
  const failures: string[] = [];
  for (const [i, origin] of origins.entries()) {
    try {
      return { origin, response: await client.fetch(new URL(path, origin), options) };
    } catch (err) {
      if (i === origins.length - 1 || !tryNextScheme(err)) {
        if (failures.length === 0 || !(err instanceof FetchError)) throw err;
        throw new FetchError(err.code, err.url, `${failures.join('; ')}; then ${err.message}`, { cause: err });
      }
      failures.push(coerceError(err).message);
    }
  }
  // Unreachable: the loop returns or throws on its last origin.
  throw new FetchError('invalid_url', domain, `no scheme to try for ${domain}`);
}
