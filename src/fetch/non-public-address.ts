import { isIPv4, isIPv6 } from 'node:net';

/** IPv4 ranges that are not the public internet, with the word used in error messages. */
const ipv4Ranges: [base: number, bits: number, kind: string][] = [
  [0x00000000, 8, 'unspecified ("this network")'],
  [0x0a000000, 8, 'private'],
  [0x64400000, 10, 'shared (carrier-grade NAT)'],
  [0x7f000000, 8, 'loopback'],
  [0xa9fe0000, 16, 'link-local'],
  [0xac100000, 12, 'private'],
  [0xc0000000, 24, 'reserved (IETF protocol assignments)'],
  [0xc0000200, 24, 'reserved (documentation)'],
  [0xc0a80000, 16, 'private'],
  [0xc6120000, 15, 'reserved (benchmarking)'],
  [0xc6336400, 24, 'reserved (documentation)'],
  [0xcb007100, 24, 'reserved (documentation)'],
  [0xe0000000, 4, 'multicast'],
  [0xf0000000, 4, 'reserved'],
];

function ipv4ToNumber(ip: string): number {
  return ip.split('.').reduce((n, part) => n * 256 + Number(part), 0);
}

function ipv4Kind(ip: string): string | undefined {
  const n = ipv4ToNumber(ip);
  for (const [base, bits, kind] of ipv4Ranges) {
    // >>> 0 keeps the comparison unsigned for addresses at or above 128.0.0.0.
    const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
    if ((n & mask) >>> 0 === base) return kind;
  }
  return undefined;
}

/** The eight 16-bit groups of an IPv6 address (already validated by `isIPv6`), zone id dropped. */
function ipv6Groups(ip: string): number[] {
  let text = ip.split('%')[0] ?? ip;
  // An embedded dotted IPv4 tail (::ffff:127.0.0.1) becomes two groups.
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text)?.[1];
  if (dotted !== undefined) {
    const n = ipv4ToNumber(dotted);
    text = `${text.slice(0, -dotted.length)}${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((g) => Number.parseInt(g, 16)));
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  return [...left, ...Array<number>(8 - left.length - right.length).fill(0), ...right];
}

function embeddedIpv4(g: number[], from: number): string {
  const hi = g[from] ?? 0;
  const lo = g[from + 1] ?? 0;
  return `${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`;
}

function ipv6Kind(ip: string): string | undefined {
  const g = ipv6Groups(ip);
  const [g0 = 0, g1 = 0, g2 = 0, g3 = 0, g4 = 0, g5 = 0, g6 = 0, g7 = 0] = g;
  const zeroTo4 = g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0;
  if (zeroTo4 && g5 === 0 && g6 === 0 && g7 === 0) return 'unspecified';
  if (zeroTo4 && g5 === 0 && g6 === 0 && g7 === 1) return 'loopback';
  // Addresses that carry an IPv4 address are judged by it: ::ffff:127.0.0.1 is loopback.
  if (zeroTo4 && g5 === 0xffff) return nonPublicAddress(embeddedIpv4(g, 6));
  if (zeroTo4 && g5 === 0) return nonPublicAddress(embeddedIpv4(g, 6)); // IPv4-compatible (deprecated)
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0) {
    return nonPublicAddress(embeddedIpv4(g, 6)); // NAT64
  }
  if (g0 === 0x2002) return nonPublicAddress(embeddedIpv4(g, 1)); // 6to4
  if ((g0 & 0xfe00) === 0xfc00) return 'private (unique local)';
  if ((g0 & 0xffc0) === 0xfe80) return 'link-local';
  if ((g0 & 0xffc0) === 0xfec0) return 'private (site-local)';
  if ((g0 & 0xff00) === 0xff00) return 'multicast';
  if (g0 === 0x2001 && g1 === 0x0db8) return 'reserved (documentation)';
  if (g0 === 0x2001 && g1 === 0) return 'reserved (Teredo)';
  if (g0 === 0x0100 && g1 === 0 && g2 === 0 && g3 === 0) return 'reserved (discard)';
  return undefined;
}

/**
 * Says why an IP address is not on the public internet — `loopback`, `private`, `link-local`,
 * `multicast`, … — or returns undefined for a public address. IPv6 addresses that embed an IPv4
 * address (`::ffff:127.0.0.1`, NAT64, 6to4) are judged by the IPv4 address. Anything that is not
 * an IP address at all is reported as `not an IP address`, so a caller can never mistake it for
 * a public one.
 *
 * Host names in decimal, octal or hexadecimal IPv4 forms (`2130706433`, `0177.0.0.1`,
 * `0x7f.1`) never reach this function in those forms: the WHATWG URL parser rewrites them to
 * dotted decimal, and the guard checks the address a name resolves to, never the name.
 */
export function nonPublicAddress(ip: string): string | undefined {
  if (isIPv4(ip)) return ipv4Kind(ip);
  if (isIPv6(ip)) return ipv6Kind(ip);
  return 'not an IP address';
}
