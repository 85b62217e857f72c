/**
 * Cloudflare's "email address obfuscation" replaces each address with the text
 * `[email protected]` and keeps the address in hex, either in a `data-cfemail` attribute or
 * after `#` in a `/cdn-cgi/l/email-protection` link. The first byte is an XOR key for the
 * remaining bytes, which are the address in UTF-8. The placeholder text itself is never an address.
 */

/** Longest encoded value accepted: a key byte plus an address of at most 254 bytes, in hex. */
const maxHexLength = 2 * 255;
const hexPairs = /^(?:[0-9a-f]{2})+$/i;

/**
 * Decodes a Cloudflare-protected value (hex; first byte is the XOR key) into its UTF-8 text,
 * or undefined when the value is not well-formed hex or does not decode to valid UTF-8.
 */
export function decodeCloudflareEmail(hex: string): string | undefined {
  const value = hex.trim();
  if (value.length < 4 || value.length > maxHexLength || !hexPairs.test(value)) return undefined;
  const key = Number.parseInt(value.slice(0, 2), 16);
  const bytes = new Uint8Array(value.length / 2 - 1);
  for (let i = 0; i < bytes.length; i++) {
    bytes[i] = Number.parseInt(value.slice(2 + 2 * i, 4 + 2 * i), 16) ^ key;
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

const protectionPath = '/cdn-cgi/l/email-protection#';

/**
 * The encoded value of a `/cdn-cgi/l/email-protection#…` link (relative or absolute), or
 * undefined for any other link.
 */
export function cloudflareHashFromHref(href: string): string | undefined {
  const at = href.indexOf(protectionPath);
  if (at === -1) return undefined;
  const hash = href.slice(at + protectionPath.length);
  return hash.length > 0 ? hash : undefined;
}
