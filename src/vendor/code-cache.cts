// The on-disk form of a bundle's V8 code cache (docs/design-notes.md, "Start-up"). V8 checks a
// code cache's version, flags and source *length* when it deserializes one, but in a release build
// not its content: bytes flipped in a cache file, or a bundle edited to the same length, could be
// run as code. So the file carries its own checks: the Node and V8 it was made by, a digest of the
// bundle's source and one of the cache data. A file that fails any of them is not given to V8.
import { createHash } from 'node:crypto';

const magic = 'pipectl-code-cache 1';

/**
 * What a cache must have been made by: V8 caches are specific to the V8 version and the CPU
 * architecture (V8 rejects another's itself; this keeps the mismatch from reaching it at all).
 * V8 flags are checked by V8, which rejects a cache made under other code-generating flags.
 */
export const codeCacheKey = (): string =>
  `node ${process.version} v8 ${process.versions.v8} ${process.platform}-${process.arch}`;

/** Where the code cache of the bundle `file` is kept: beside it. */
export const codeCacheFile = (file: string): string => `${file}.v8-cache`;

const digest = (data: string | Uint8Array): string => createHash('sha256').update(data).digest('hex');

/** The cache file's bytes: a one-line header (magic, key, source and data digests), then V8's data. */
export function encodeCodeCache(source: string, data: Uint8Array): Buffer {
  const header = `${JSON.stringify([magic, codeCacheKey(), digest(source), digest(data)])}\n`;
  return Buffer.concat([Buffer.from(header), data]);
}

/**
 * V8's data from a cache file's bytes, or why it cannot be used: made by another Node or V8
 * (`mismatched`), for another source (`stale`), or not a whole, intact cache file (`corrupt`).
 */
export function decodeCodeCache(
  source: string,
  bytes: Buffer,
): { data: Buffer } | { unusable: 'mismatched' | 'stale' | 'corrupt' } {
  const end = bytes.indexOf(10);
  let header: unknown;
  try {
    header = end === -1 ? undefined : JSON.parse(bytes.subarray(0, end).toString('utf8'));
  } catch {
    // Not our header: treated as corrupt below.
  }
  if (!Array.isArray(header) || header.length !== 4 || header[0] !== magic) return { unusable: 'corrupt' };
  const [, key, sourceDigest, dataDigest] = header;
  if (key !== codeCacheKey()) return { unusable: 'mismatched' };
  const data = bytes.subarray(end + 1);
  if (dataDigest !== digest(data)) return { unusable: 'corrupt' };
  if (sourceDigest !== digest(source)) return { unusable: 'stale' };
  return { data };
}
