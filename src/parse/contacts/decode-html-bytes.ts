import { TextDecoder } from 'node:util';

/** How far into a document the `<meta charset>` declaration may be (the HTML standard's prescan limit). */
const prescanBytes = 1024;
const metaCharset = /<meta[^>]{0,200}?charset\s{0,3}=\s{0,3}["']?([\w.:-]{1,40})/i;

function decoderFor(label: string | undefined): TextDecoder | undefined {
  if (label === undefined) return undefined;
  try {
    return new TextDecoder(label.trim().toLowerCase());
  } catch {
    return undefined;
  }
}

/**
 * Decodes an HTML document's bytes: a byte-order mark wins, then the charset of the
 * Content-Type header (if given), then a `<meta charset>` in the first 1024 bytes, else UTF-8.
 * Malformed bytes become U+FFFD rather than an error: a page with one bad byte still has contacts.
 */
export function decodeHtmlBytes(bytes: Uint8Array, headerCharset?: string): string {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return new TextDecoder('utf-8').decode(bytes);
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder('utf-16le').decode(bytes);
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return new TextDecoder('utf-16be').decode(bytes);
  const head = new TextDecoder('latin1').decode(bytes.subarray(0, prescanBytes));
  const decoder = decoderFor(headerCharset) ?? decoderFor(metaCharset.exec(head)?.[1]) ?? new TextDecoder('utf-8');
  return decoder.decode(bytes);
}
