import { pipeline, Readable, type Transform } from 'node:stream';
import zlib from 'node:zlib';
import { coerceError } from '../errors.js';
import { FetchError } from './fetch-error.js';

/** The default cap on a decompressed body: the sitemap protocol's own 50 MiB limit. */
export const defaultMaxBytes = 50 * 1024 * 1024;

export interface DecodeBodyOptions {
  /** The response's Content-Encoding header (`gzip`, `x-gzip`, `deflate`, `br`, a list, or none). */
  contentEncoding?: string | undefined;
  /** Stop with a `too_large` FetchError once this many decompressed bytes have been produced. */
  maxBytes: number;
  /** The URL, for error messages. */
  url: string;
}

/** Splits the first `size` bytes off a stream, and returns them with the whole stream (head included). */
async function peek(
  source: AsyncIterable<Buffer>,
  size: number,
): Promise<{ head: Buffer; stream: AsyncIterable<Buffer> }> {
  const it = source[Symbol.asyncIterator]();
  const parts: Buffer[] = [];
  let length = 0;
  let ended = false;
  while (length < size) {
    const next = await it.next();
    if (next.done) {
      ended = true;
      break;
    }
    parts.push(next.value);
    length += next.value.length;
  }
  const head = parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts);
  async function* all(): AsyncGenerator<Buffer> {
    try {
      if (head.length > 0) yield head;
      if (ended) return;
      for (;;) {
        const next = await it.next();
        if (next.done) return;
        yield next.value;
      }
    } finally {
      await it.return?.();
    }
  }
  return { head, stream: all() };
}

/** Pipes a stream through a zlib transform, lazily: output is produced only as fast as it is read. */
async function* inflate(source: AsyncIterable<Buffer>, make: () => Transform, url: string): AsyncGenerator<Buffer> {
  const input = Readable.from(source, { objectMode: false });
  const transform = make();
  pipeline(input, transform, () => {
    // Errors surface through the iteration below; stopping early is not one.
  });
  try {
    for await (const chunk of transform) yield chunk as Buffer;
  } catch (err) {
    const code = (err as { code?: string }).code ?? '';
    if (code.startsWith('Z_') || code === 'ERR__ERROR' || code.startsWith('ERR_BROTLI')) {
      throw new FetchError('bad_encoding', url, `cannot decompress ${url}: ${coerceError(err).message}`, {
        cause: err,
      });
    }
    throw err;
  } finally {
    transform.destroy();
    input.destroy();
  }
}

// Tolerate a body cut short: return what was decompressed instead of failing at the end, so that
// a truncated sitemap still yields its complete entries.
const gunzip = () => zlib.createGunzip({ finishFlush: zlib.constants.Z_SYNC_FLUSH });
const brotli = () => zlib.createBrotliDecompress({ finishFlush: zlib.constants.BROTLI_OPERATION_FLUSH });

async function inflateDeflate(source: AsyncIterable<Buffer>, url: string): Promise<AsyncIterable<Buffer>> {
  // HTTP "deflate" is meant to be zlib-wrapped (RFC 9110), but some servers send raw deflate:
  // a zlib header is a CMF byte with method 8 and a check that makes the first 16 bits a multiple of 31.
  const { head, stream } = await peek(source, 2);
  const zlibWrapped =
    head.length >= 2 && ((head[0] ?? 0) & 0x0f) === 8 && ((head[0] ?? 0) * 256 + (head[1] ?? 0)) % 31 === 0;
  const make = zlibWrapped
    ? () => zlib.createInflate({ finishFlush: zlib.constants.Z_SYNC_FLUSH })
    : () => zlib.createInflateRaw({ finishFlush: zlib.constants.Z_SYNC_FLUSH });
  return inflate(stream, make, url);
}

async function gunzipIfMagic(source: AsyncIterable<Buffer>, url: string): Promise<AsyncIterable<Buffer>> {
  const { head, stream } = await peek(source, 2);
  return head[0] === 0x1f && head[1] === 0x8b ? inflate(stream, gunzip, url) : stream;
}

async function* capped(source: AsyncIterable<Buffer>, maxBytes: number, url: string): AsyncGenerator<Buffer> {
  let total = 0;
  for await (const chunk of source) {
    if (total + chunk.length > maxBytes) {
      // Hand over the bytes up to the cap first, so that entries complete before it are kept.
      if (maxBytes > total) yield chunk.subarray(0, maxBytes - total);
      throw new FetchError(
        'too_large',
        url,
        `${url} passed the ${formatBytes(maxBytes)} size cap (decompressed); reading stopped there`,
      );
    }
    total += chunk.length;
    yield chunk;
  }
}

/** `50 MiB`, `512 KiB`, `900 B`. */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MiB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} B`;
}

/**
 * Decodes an HTTP body as it streams: undoes each Content-Encoding (gzip, deflate, br), then
 * gunzips once more if the bytes start with the gzip magic number (a `.xml.gz` file served as
 * `application/octet-stream`, or compressed twice), and stops at `maxBytes` of output with a
 * `too_large` FetchError. A `.gz` URL whose bytes are not gzip passes through untouched.
 *
 * Memory stays bounded whatever the compression ratio: zlib produces output only as the consumer
 * reads it, so a gzip bomb costs one 16 KiB chunk at a time and stops at the cap.
 */
export async function* decodeBody(source: AsyncIterable<Buffer>, options: DecodeBodyOptions): AsyncGenerator<Buffer> {
  const { url, maxBytes } = options;
  const codings = (options.contentEncoding ?? '')
    .split(',')
    .map((c) => c.trim().toLowerCase())
    .filter((c) => c !== '' && c !== 'identity');
  let stream: AsyncIterable<Buffer> = source;
  // Codings are listed in the order they were applied: undo them last first.
  for (const coding of codings.reverse()) {
    if (coding === 'gzip' || coding === 'x-gzip') stream = inflate(stream, gunzip, url);
    else if (coding === 'deflate') stream = await inflateDeflate(stream, url);
    else if (coding === 'br') stream = inflate(stream, brotli, url);
    // Anything else (a charset written as an encoding, a typo) is passed through: the magic-byte
    // sniff below still catches gzip, and the parser judges the rest.
  }
  yield* capped(await gunzipIfMagic(stream, url), maxBytes, url);
}
