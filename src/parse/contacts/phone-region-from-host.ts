import type { CountryCode } from 'libphonenumber-js/max';
import { isSupportedCountry } from 'libphonenumber-js/max';

/**
 * Country-code TLDs sold worldwide as generic names (`.io` start-ups are not in the Indian
 * Ocean, `.co` shops are rarely Colombian). Their second-level forms (`.com.co`, `.org.ai`)
 * are national registrations and do resolve.
 */
// biome-ignore format: a list of TLDs
const vanityTlds = new Set([
  'ac', 'ai', 'am', 'cc', 'co', 'fm', 'gd', 'gg', 'io', 'la', 'ly', 'me', 'nu', 'sh', 'so', 'to', 'tv', 'vc', 'ws',
]);
const nationalSecondLevels = new Set(['com', 'co', 'net', 'org', 'gov', 'edu', 'ac', 'or', 'ne', 'go', 'gob']);

/** TLDs whose country code differs from the TLD (the ISO code of the United Kingdom is GB). */
const tldCountry: Readonly<Record<string, string>> = { uk: 'GB' };

/**
 * The default region for national-format phone numbers on a site: the country of its ccTLD
 * (`shop.example.de` → DE, `example.co.uk` → GB), or undefined for generic TLDs (`.com`,
 * `.org`) and vanity ccTLDs. Undefined means "unresolved": a number without `+` on such a
 * site is not guessed into some country.
 */
export function phoneRegionFromHost(host: string): CountryCode | undefined {
  const labels = host.toLowerCase().replace(/\.$/, '').split('.');
  const tld = labels.at(-1) ?? '';
  if (tld.length !== 2) return undefined;
  if (vanityTlds.has(tld) && !(labels.length >= 3 && nationalSecondLevels.has(labels.at(-2) ?? ''))) {
    return undefined;
  }
  const region = tldCountry[tld] ?? tld.toUpperCase();
  return isSupportedCountry(region) ? region : undefined;
}
