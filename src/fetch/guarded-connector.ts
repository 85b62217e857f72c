import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { buildConnector as BuildConnector } from 'undici';
import { coerceError, errorCode } from '../errors.js';
import { type ConnectToRule, matchConnectTo } from './connect-to.js';
import { FetchError } from './fetch-error.js';
import { nonPublicAddress } from './non-public-address.js';
import { buildConnector } from './undici-core.js';

/** Resolves a host name to its addresses (dns.lookup by default; tests may pass a fixed table). */
export type LookupAll = (hostname: string) => Promise<string[]>;

export interface GuardedConnectorOptions {
  /** Allow loopback, private, link-local and multicast targets (`--allow-private-network`). Default false. */
  allowPrivateNetwork?: boolean;
  /** `--connect-to` rules; a mapped connection is never refused (the user asked for it). */
  connectTo?: readonly ConnectToRule[];
  /** Time allowed to resolve and connect (TLS handshake included), in ms. Default 10 s. */
  connectTimeoutMs?: number;
  lookupAll?: LookupAll;
}

const defaultLookupAll: LookupAll = async (hostname) =>
  (await lookup(hostname, { all: true, verbatim: true })).map((a) => a.address);

function withTimeout<T>(promise: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * The address to connect to among a name's addresses: the first public one, or undefined when
 * none is (the connection is then refused). A name that mixes a loopback and a public address
 * gets the public one, never the loopback.
 */
export function firstPublicAddress(addresses: readonly string[]): string | undefined {
  return addresses.find((a) => nonPublicAddress(a) === undefined);
}

/**
 * An undici connector that applies `--connect-to` and the SSRF guard to every connection,
 * redirects included (each redirect target is a new connection through here).
 *
 * The guard checks the address it is about to connect to, after DNS resolution, never the name:
 * a public-looking name that resolves to 127.0.0.1 is refused, and a name cannot resolve to one
 * address for the check and another for the connection (DNS rebinding), because the connection
 * is made to the checked address. When a name has several addresses, the first public one is used.
 *
 * The URL's host still goes into the Host header and TLS SNI, so a mapped fixture site sees
 * the real-looking domain name.
 */
export function guardedConnector(options: GuardedConnectorOptions = {}): BuildConnector.connector {
  const rules = options.connectTo ?? [];
  const timeoutMs = options.connectTimeoutMs ?? 10_000;
  const lookupAll = options.lookupAll ?? defaultLookupAll;
  const connect = buildConnector({ timeout: timeoutMs });

  async function target(hostname: string, port: number, url: string): Promise<{ address: string; port: number }> {
    const mapped = matchConnectTo(rules, hostname, port);
    const host = mapped?.address ?? hostname;
    const targetPort = mapped?.port ?? port;
    const trusted = mapped !== undefined || options.allowPrivateNetwork === true;
    let addresses: string[];
    if (isIP(host) !== 0) {
      addresses = [host];
    } else {
      try {
        addresses = await withTimeout(
          lookupAll(host),
          timeoutMs,
          () => new FetchError('timeout', url, `resolving ${host} timed out after ${timeoutMs} ms`),
        );
      } catch (err) {
        if (err instanceof FetchError) throw err;
        const code = errorCode(err);
        // EAI_AGAIN is a resolver that did not answer: worth retrying, unlike a name that does not exist.
        throw new FetchError(
          code === 'EAI_AGAIN' ? 'connect' : 'dns',
          url,
          `cannot resolve ${host}: ${code ?? coerceError(err).message}`,
          { cause: err },
        );
      }
      if (addresses.length === 0) throw new FetchError('dns', url, `cannot resolve ${host}: no addresses`);
    }
    if (trusted) return { address: addresses[0] as string, port: targetPort };
    const allowed = firstPublicAddress(addresses);
    if (allowed !== undefined) return { address: allowed, port: targetPort };
    const address = addresses[0] as string;
    const named = address === host ? address : `${host} (${address})`;
    throw new FetchError(
      'ssrf_refused',
      url,
      `refused to connect to ${named}: a ${nonPublicAddress(address)} address — pass --allow-private-network, or map the host with --connect-to`,
    );
  }

  return (opts, callback) => {
    const defaultPort = opts.protocol === 'https:' ? 443 : 80;
    const port = opts.port ? Number(opts.port) : defaultPort;
    const url = `${opts.protocol}//${opts.host}`;
    target(opts.hostname, port, url).then(
      (t) => {
        // SNI keeps the requested name; undici derives it from `host`, which is left untouched.
        connect({ ...opts, hostname: t.address, port: String(t.port) }, callback);
      },
      (err: Error) => callback(err, null),
    );
  };
}
