const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

const reference = /&(?:#[xX]([0-9a-fA-F]{1,6})|#([0-9]{1,7})|(amp|lt|gt|quot|apos));/g;

function codePoint(value: number): string {
  // NUL, surrogates and values past Unicode are not characters: the replacement character, as XML parsers do.
  if (value === 0 || (value >= 0xd800 && value <= 0xdfff) || value > 0x10ffff) return '\uFFFD';
  return String.fromCodePoint(value);
}

/**
 * Decodes XML's five predefined entities and numeric character references (`&#38;`, `&#x26;`).
 * Anything else — `&nbsp;`, an entity declared in a DOCTYPE — stays as written: no DTD is ever
 * read, so billion-laughs and external entities are inert.
 */
export function decodeXmlEntities(text: string): string {
  if (text.indexOf('&') < 0) return text;
  return text.replace(
    reference,
    (_match, hex: string | undefined, dec: string | undefined, name: string | undefined) => {
      if (hex !== undefined) return codePoint(Number.parseInt(hex, 16));
      if (dec !== undefined) return codePoint(Number(dec));
      return named[name ?? ''] ?? '';
    },
  );
}
