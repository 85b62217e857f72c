import type { CountryCode } from 'libphonenumber-js/max';
import { cloudflareHashFromHref, decodeCloudflareEmail } from './cloudflare-email.js';
import { decodeHtmlBytes } from './decode-html-bytes.js';
import { deobfuscateEmailText } from './deobfuscate-email-text.js';
import { findEmails } from './find-emails.js';
import { findPhoneCandidates } from './find-phone-candidates.js';
import { mailtoEmails } from './mailto-emails.js';
import { type ParsedPhone, parsePhone } from './parse-phone.js';
import { phoneRegionFromHost } from './phone-region-from-host.js';
import { readHtmlContent } from './read-html-content.js';
import { telLinkPhone } from './tel-link-phone.js';

/** The contacts found on one page. */
export interface ExtractedContacts {
  /** Addresses, lower-cased, without duplicates, in order of first appearance. */
  emails: string[];
  /** Phones in E.164 (`+493012345678`, with `;ext=N` for an extension), without duplicates. */
  phones: string[];
  /**
   * National-format numbers found on a site whose TLD names no country (`.com`): kept as
   * written for diagnosis, never stored as contacts, because any country would be a guess.
   */
  unresolvedPhones: string[];
}

/** Options for {@link extractContacts}. */
export interface ExtractContactsOptions {
  /** Charset from the response's Content-Type, used when `html` is bytes. */
  charset?: string;
  /** Region for national-format numbers; default: from the page host's ccTLD (see phoneRegionFromHost). */
  region?: CountryCode | null;
}

/**
 * Largest document read, in bytes or characters: 2 MiB. Contact details sit in the page
 * header, footer or an imprint, well inside that; the cap bounds the time one hostile page can
 * take, since every step after it is linear.
 */
export const maxHtmlSize = 2 * 1024 * 1024;
/** Most contacts of each kind kept per page: a page listing more is a directory, not a contact page. */
export const maxContactsPerKind = 500;

/** Blanks of every width (no-break, figure, narrow) read as spaces; dashes of every kind as `-`. */
const wideBlanks = /[\u00a0\u2007\u2009\u202f\u3000]/g;
const dashes = /[\u2010-\u2015\u2212]/g;

/**
 * Extracts the email addresses and phone numbers published on an HTML page.
 *
 * Emails come from `mailto:` links, visible text (entity-encoded forms such as `&#64;` are
 * decoded by the parser), the `[at]`/`(at)`/`AT`-`DOT` spellings, and Cloudflare's
 * `data-cfemail` and `/cdn-cgi/l/email-protection#…` encodings. Phones come from `tel:` links,
 * from text after a phone label, and from text in international `+` form. Script and style
 * contents are ignored. Pure and bounded: at most {@link maxHtmlSize} of input is read.
 *
 * @param html the document, as text or as the response bytes
 * @param pageUrl the page's URL; its host's ccTLD sets the default phone region
 */
export function extractContacts(
  html: string | Uint8Array,
  pageUrl: string | URL,
  options: ExtractContactsOptions = {},
): ExtractedContacts {
  const source =
    typeof html === 'string'
      ? html.slice(0, maxHtmlSize)
      : decodeHtmlBytes(html.subarray(0, maxHtmlSize), options.charset);
  const region =
    options.region === undefined ? phoneRegionFromHost(new URL(pageUrl).hostname) : (options.region ?? undefined);
  const content = readHtmlContent(source);
  const text = content.text.replace(wideBlanks, ' ');

  const emails = new Set<string>();
  const addEmails = (found: Iterable<string>) => {
    for (const email of found) if (emails.size < maxContactsPerKind) emails.add(email);
  };
  const phones = new Set<string>();
  const unresolved = new Set<string>();
  const addPhone = (parsed: ParsedPhone | undefined) => {
    if (parsed?.kind === 'phone' && phones.size < maxContactsPerKind) phones.add(parsed.value);
    if (parsed?.kind === 'unresolved' && unresolved.size < maxContactsPerKind) unresolved.add(parsed.raw);
  };

  for (const href of content.hrefs) {
    addEmails(mailtoEmails(href));
    addPhone(telLinkPhone(href, region));
    const hash = cloudflareHashFromHref(href);
    if (hash !== undefined) addEmails(cloudflareEmails(hash));
  }
  for (const encoded of content.cfEmails) addEmails(cloudflareEmails(encoded));
  addEmails(findEmails(text));
  const deobfuscated = deobfuscateEmailText(text);
  if (deobfuscated !== text) addEmails(findEmails(deobfuscated));
  for (const candidate of findPhoneCandidates(text.replace(dashes, '-'))) addPhone(parseTextPhone(candidate, region));

  return { emails: [...emails], phones: [...phones], unresolvedPhones: [...unresolved] };
}

/** A Cloudflare value decodes to the address, sometimes with the link's `?subject=…` still on it. */
function cloudflareEmails(encoded: string): string[] {
  const decoded = decodeCloudflareEmail(encoded);
  return decoded === undefined ? [] : mailtoEmails(`mailto:${decoded}`);
}

/**
 * A labelled run can swallow a neighbour on the same line (`Tel 030 1234567 2024`); when the
 * whole run is not a valid number, retry without its last one or two blank-separated groups.
 */
function parseTextPhone(candidate: string, region: CountryCode | undefined): ParsedPhone | undefined {
  let value = candidate.trim();
  for (let attempt = 0; attempt < 3; attempt++) {
    const parsed = parsePhone(value, region);
    if (parsed !== undefined) return parsed;
    const lastBlank = value.lastIndexOf(' ');
    if (lastBlank <= 0) return undefined;
    value = value.slice(0, lastBlank).trimEnd();
  }
  return undefined;
}
