import type { CountryCode } from 'libphonenumber-js/max';
import { type ParsedPhone, parsePhone } from './parse-phone.js';

/** Longest tel: value read: the longest E.164 number plus an extension and visual separators. */
const maxTelLength = 64;

/**
 * The phone number of a `tel:` link (RFC 3966), or undefined when the link is not `tel:` or
 * holds no valid number. The value is percent-decoded; RFC 3966 parameters other than `ext`
 * (`;phone-context=…`, `;isub=…`) are dropped; an extension is kept, whether written `;ext=12`
 * or as the dialler's pause (`,12`, `p12`, `w12`), which on a switchboard number means the same.
 */
export function telLinkPhone(href: string, region: CountryCode | undefined): ParsedPhone | undefined {
  const trimmed = href.trim();
  if (!/^tel:/i.test(trimmed)) return undefined;
  let value = trimmed.slice('tel:'.length);
  if (value.length > maxTelLength) return undefined;
  try {
    value = decodeURIComponent(value);
  } catch {
    // An undecodable `%` leaves the value as written; parsePhone rejects it if it is not a number.
  }
  const [number = '', ...parameters] = value.split(';');
  const ext = parameters
    .find((p) => /^ext=\d{1,7}$/i.test(p.trim()))
    ?.trim()
    .slice('ext='.length);
  const pause = /^([^,pw]*?)[ \t]*[,pw]+[ \t]*(\d{1,7})#?$/i.exec(number);
  const main = pause ? (pause[1] ?? '') : number;
  const extension = ext ?? pause?.[2];
  return parsePhone(extension ? `${main} ext. ${extension}` : main, region);
}
