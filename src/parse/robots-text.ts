/**
 * How much of a robots.txt file is read: Google's documented limit (500 KiB), also allowed by
 * RFC 9309 §2.5. Content after it is ignored.
 */
export const robotsMaxBytes = 500 * 1024;

/**
 * Decodes a robots.txt body for parsing: UTF-8, without a BOM, cut at `robotsMaxBytes`. When the
 * file is cut, the partial last line is dropped too, so that a `Sitemap:` URL cut in half is not
 * read as a shorter, wrong URL.
 */
export function robotsText(body: string | Uint8Array): string {
  let bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  const truncated = bytes.byteLength > robotsMaxBytes;
  if (truncated) bytes = bytes.subarray(0, robotsMaxBytes);
  let text = new TextDecoder('utf-8').decode(bytes); // strips a UTF-8 BOM
  if (truncated) {
    const lastBreak = Math.max(text.lastIndexOf('\n'), text.lastIndexOf('\r'));
    text = lastBreak < 0 ? '' : text.slice(0, lastBreak + 1);
  }
  return text;
}
