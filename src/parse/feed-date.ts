import { parseW3cDatetime } from './w3c-datetime.js';

const months: Record<string, number> = {
  jan: 0,
  feb: 1,
  mar: 2,
  apr: 3,
  may: 4,
  jun: 5,
  jul: 6,
  aug: 7,
  sep: 8,
  oct: 9,
  nov: 10,
  dec: 11,
};

// RFC 822 zone names still found in RSS feeds, in minutes east of UTC.
const zones: Record<string, number> = {
  UT: 0,
  UTC: 0,
  GMT: 0,
  Z: 0,
  EST: -300,
  EDT: -240,
  CST: -360,
  CDT: -300,
  MST: -420,
  MDT: -360,
  PST: -480,
  PDT: -420,
};

const rfc822 =
  /^(?:[a-z]+,?\s*)?(\d{1,2})\s+([a-z]{3})[a-z]*\s+(\d{2}|\d{4})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([+-]\d{4}|[a-z]+)?$/i;

/**
 * Parses an RSS `<pubDate>` (RFC 822 / RFC 2822, e.g. `Tue, 10 Jun 2003 04:00:00 GMT`) or an Atom
 * `<updated>` (RFC 3339, a W3C datetime), or returns null. `Date.parse` is not used: what it
 * accepts beyond ISO 8601 is implementation-defined.
 */
export function parseFeedDate(input: string): Date | null {
  const text = input.trim();
  const w3c = parseW3cDatetime(text);
  if (w3c) return w3c;
  const m = rfc822.exec(text);
  if (!m) return null;
  const day = Number(m[1]);
  const month = months[(m[2] ?? '').toLowerCase()];
  if (month === undefined) return null;
  let year = Number(m[3]);
  // RFC 822 two-digit years; RFC 2822 reads 00–49 as 20xx.
  if ((m[3] ?? '').length === 2) year += year < 50 ? 2000 : 1900;
  const hour = Number(m[4]);
  const minute = Number(m[5]);
  const second = m[6] === undefined ? 0 : Number(m[6]);
  if (day < 1 || day > new Date(Date.UTC(year, month + 1, 0)).getUTCDate()) return null;
  if (hour > 23 || minute > 59 || second > 60) return null;
  let offset = 0;
  const zone = m[7];
  if (zone !== undefined) {
    if (/^[+-]\d{4}$/.test(zone)) {
      offset = (zone[0] === '-' ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(3)));
    } else {
      const known = zones[zone.toUpperCase()];
      if (known === undefined) return null;
      offset = known;
    }
  }
  return new Date(Date.UTC(year, month, day, hour, minute, Math.min(second, 59)) - offset * 60_000);
}
