import { normalizeEmail } from './normalize-email.js';

/** RFC 5321 limits: a local part has at most 64 octets and a domain at most 253. */
const maxLocalLength = 64;
const maxDomainLength = 253;

const nonAscii = /[\p{L}\p{N}\p{M}]/u;

function isLocalChar(ch: string): boolean {
  const c = ch.charCodeAt(0);
  if (c < 0x80) {
    return (
      (c >= 0x30 && c <= 0x39) || // 0-9
      (c >= 0x41 && c <= 0x5a) || // A-Z
      (c >= 0x61 && c <= 0x7a) || // a-z
      c === 0x2e || // .
      c === 0x5f || // _
      c === 0x25 || // %
      c === 0x2b || // +
      c === 0x2d // -
    );
  }
  return nonAscii.test(ch);
}

function isDomainChar(ch: string): boolean {
  const c = ch.charCodeAt(0);
  if (c < 0x80) {
    return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x2e || c === 0x2d;
  }
  return nonAscii.test(ch);
}

/**
 * Finds the email addresses in plain text, validated and normalized by {@link normalizeEmail},
 * in order of first appearance and without duplicates.
 *
 * Why no regular expression: an address pattern with a bounded local part and a domain with
 * dots backtracks on long runs of address-like characters. Instead, every `@` is expanded left
 * over local-part characters and right over domain characters, each scan stopping at the
 * first character that cannot belong; neighbouring scans meet at the `@` between them, so each
 * character is visited at most twice and the time is linear in the text. A run longer than the
 * RFC limits is a fragment of something else (a hash, a data URI) and is dropped.
 */
export function findEmails(text: string): string[] {
  const found = new Set<string>();
  // Pages repeat the same address (header, footer, every listing); validate each spelling once.
  const checked = new Set<string>();
  let at = text.indexOf('@');
  while (at !== -1) {
    let start = at;
    while (start > 0 && at - start <= maxLocalLength && isLocalChar(text.charAt(start - 1))) start--;
    let end = at + 1;
    while (end < text.length && end - at - 1 <= maxDomainLength && isDomainChar(text.charAt(end))) end++;
    const localTooLong = at - start > maxLocalLength;
    const domainTooLong = end - at - 1 > maxDomainLength;
    const domain = text.slice(at + 1, end);
    // A dotless domain (`a@b`, `@media`) can never be an address: skip the costly validation.
    if (!localTooLong && !domainTooLong && start < at && domain.includes('.')) {
      const raw = text.slice(start, end);
      if (!checked.has(raw)) {
        checked.add(raw);
        const email = normalizeEmail(text.slice(start, at), domain);
        if (email !== undefined) found.add(email);
      }
    }
    at = text.indexOf('@', at + 1);
  }
  return [...found];
}
