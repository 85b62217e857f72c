import { findEmails } from './find-emails.js';

function percentDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    // A stray `%` (`mailto:50%off@…`) makes the whole value undecodable; read it as written.
    return value;
  }
}

/**
 * The addresses of a `mailto:` link: the query (`?subject=…&cc=…`) is dropped, the rest is
 * percent-decoded and split on commas (RFC 6068 lists several recipients that way; `;` is a
 * common mistake and accepted too). Each address is validated like one found in text.
 * Returns [] for a link that is not `mailto:`.
 */
export function mailtoEmails(href: string): string[] {
  const trimmed = href.trim();
  if (!/^mailto:/i.test(trimmed)) return [];
  const withoutScheme = trimmed.slice('mailto:'.length);
  const query = withoutScheme.indexOf('?');
  const recipients = percentDecode(query === -1 ? withoutScheme : withoutScheme.slice(0, query));
  return findEmails(recipients.replaceAll(';', ','));
}
