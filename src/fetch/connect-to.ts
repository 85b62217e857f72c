import { isIPv4, isIPv6 } from 'node:net';
import { PipectlError } from '../errors.js';

/**
 * One `--connect-to HOST:PORT:ADDR:PORT2` rule, with curl's semantics: a request for HOST:PORT
 * connects to ADDR:PORT2 instead, while the URL, the Host header and TLS SNI stay HOST. An empty
 * HOST or PORT matches any host or port; an empty ADDR or PORT2 keeps the original one.
 */
export interface ConnectToRule {
  /** Lower-cased host name to match; undefined matches any host. */
  readonly host: string | undefined;
  readonly port: number | undefined;
  /** Where to connect (a host name or an IP address, IPv6 without brackets); undefined keeps the host. */
  readonly address: string | undefined;
  readonly addressPort: number | undefined;
  /** The rule as written, for messages. */
  readonly source: string;
}

/** Splits `HOST:PORT:ADDR:PORT2`, where HOST and ADDR may be bracketed IPv6 addresses. */
function splitFields(spec: string): string[] {
  const fields: string[] = [];
  let i = 0;
  while (i <= spec.length) {
    if (spec[i] === '[') {
      const close = spec.indexOf(']', i);
      if (close < 0) return [];
      fields.push(spec.slice(i, close + 1));
      i = close + 1;
      if (i < spec.length && spec[i] !== ':') return [];
      i++;
    } else {
      const next = spec.indexOf(':', i);
      const end = next < 0 ? spec.length : next;
      fields.push(spec.slice(i, end));
      i = end + 1;
    }
  }
  return fields;
}

function port(field: string, spec: string): number | undefined {
  if (field === '') return undefined;
  const value = Number(field);
  if (!/^\d+$/.test(field) || value < 1 || value > 65535) {
    throw new PipectlError('invalid_config', `--connect-to "${spec}": "${field}" is not a port number (1–65535)`);
  }
  return value;
}

function host(field: string): string | undefined {
  if (field === '') return undefined;
  const bare = field.startsWith('[') ? field.slice(1, -1) : field;
  return bare.toLowerCase();
}

/** A DNS host name: dot-separated labels of letters, digits and inner hyphens, the last not all digits. */
function isHostName(name: string): boolean {
  const labels = name.replace(/\.$/, '').split('.');
  return (
    labels.every((label) => /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/.test(label)) &&
    !/^\d+$/.test(labels.at(-1) ?? '')
  );
}

/**
 * Parses one `--connect-to` value. Throws a `PipectlError` (exit 2) that quotes the value when it
 * does not have four colon-separated fields or a port is not a number.
 */
export function parseConnectTo(spec: string): ConnectToRule {
  const text = spec.trim();
  const fields = splitFields(text);
  if (fields.length !== 4) {
    throw new PipectlError(
      'invalid_config',
      `--connect-to "${spec}" must be HOST:PORT:ADDR:PORT2 (e.g. jenkinseyecare.com:443:127.0.0.1:8443; put IPv6 addresses in brackets)`,
    );
  }
  const [h = '', p = '', a = '', p2 = ''] = fields;
  const address = host(a);
  if (address !== undefined && a.startsWith('[') && !isIPv6(address)) {
    throw new PipectlError('invalid_config', `--connect-to "${spec}": ${a} is not an IPv6 address`);
  }
  if (address !== undefined && !a.startsWith('[') && !isIPv4(address) && !isHostName(address)) {
    // All-numeric names (999.1.1.1) would be looked up in DNS and fail on every request.
    throw new PipectlError('invalid_config', `--connect-to "${spec}": ${a} is neither an IPv4 address nor a host name`);
  }
  return Object.freeze({ host: host(h), port: port(p, spec), address, addressPort: port(p2, spec), source: text });
}

/**
 * Parses every `--connect-to` flag value and the comma-separated `PIPECTL_CONNECT_TO` value
 * (flags first, so that they win: the first matching rule applies).
 */
export function parseConnectToList(flags: readonly string[] = [], env?: string): ConnectToRule[] {
  const fromEnv = (env ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  return [...flags, ...fromEnv].map(parseConnectTo);
}

/** Where a connection to host:port is redirected, and by which rule. */
export interface ConnectTarget {
  readonly address: string;
  readonly port: number;
  readonly rule: ConnectToRule;
}

/** The first rule that matches host:port (host compared case-insensitively), resolved to its target. */
export function matchConnectTo(
  rules: readonly ConnectToRule[],
  hostname: string,
  portNumber: number,
): ConnectTarget | undefined {
  const name = hostname.toLowerCase().replace(/^\[|\]$/g, '');
  for (const rule of rules) {
    if (rule.host !== undefined && rule.host !== name) continue;
    if (rule.port !== undefined && rule.port !== portNumber) continue;
    return { address: rule.address ?? name, port: rule.addressPort ?? portNumber, rule };
  }
  return undefined;
}
