import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import { decodeBody, formatBytes } from './decode-body.js';
import { FetchError } from './fetch-error.js';

/**
 * Drops a body that will not be read (further). undici's body stream emits an AbortError when
 * destroyed early; nobody waits for it, and unhandled it would crash the process.
 */
export function discard(raw: Readable): void {
  if (raw.destroyed) return;
  raw.on('error', () => {});
  raw.destroy();
}

/** What `HttpClient.fetch` hands to a response; internal. */
export interface HttpResponseInit {
  url: string;
  finalUrl: string;
  status: number;
  headers: IncomingHttpHeaders;
  redirects: string[];
  redirectTarget: string | null;
  raw: Readable;
  maxBytes: number;
  release: () => void;
  mapError: (err: unknown, url: string) => Error;
}

/**
 * An HTTP response whose body has not been read yet. Its status and headers are known; the body
 * is read once, as decompressed chunks (`for await (const chunk of response)`), or whole with
 * `buffer()`/`text()`. Either way it is capped at the client's `maxBytes`.
 *
 * The response holds a per-host slot and a connection until its body has been read to the end,
 * has failed, or `close()` is called: a caller that does not read the body must call `close()`.
 * Stopping a `for await` loop early closes it.
 */
export class HttpResponse implements AsyncIterable<Buffer> {
  /** The URL that was asked for. */
  readonly url: string;
  /** The URL that answered, after redirects. */
  readonly finalUrl: string;
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  /** The URLs that redirected, in order (the requested URL first); empty without redirects. */
  readonly redirects: readonly string[];
  /** When `followRedirect` declined a redirect: where it pointed. This response is then the 3xx itself. */
  readonly redirectTarget: string | null;
  /** Decompressed bytes delivered so far. */
  bytesRead = 0;

  private readonly init: HttpResponseInit;
  private used = false;
  private closed = false;

  constructor(init: HttpResponseInit) {
    this.init = init;
    this.url = init.url;
    this.finalUrl = init.finalUrl;
    this.status = init.status;
    this.headers = init.headers;
    this.redirects = init.redirects;
    this.redirectTarget = init.redirectTarget;
  }

  /** True for a 2xx status. */
  get ok(): boolean {
    return this.status >= 200 && this.status < 300;
  }

  /** A header's value (the first one if repeated), or undefined. */
  header(name: string): string | undefined {
    const value = this.headers[name.toLowerCase()];
    return Array.isArray(value) ? value[0] : value;
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Buffer, void, undefined> {
    if (this.used) throw new Error(`the body of ${this.finalUrl} has already been read`);
    this.used = true;
    const { raw, maxBytes, mapError } = this.init;
    try {
      const length = Number(this.header('content-length'));
      if (this.header('content-encoding') === undefined && length > maxBytes) {
        throw new FetchError(
          'too_large',
          this.finalUrl,
          `${this.finalUrl} is ${length} bytes, over the ${formatBytes(maxBytes)} size cap; not downloaded`,
        );
      }
      const body = decodeBody(raw as AsyncIterable<Buffer>, {
        contentEncoding: this.header('content-encoding'),
        maxBytes,
        url: this.finalUrl,
      });
      for await (const chunk of body) {
        this.bytesRead += chunk.length;
        yield chunk;
      }
    } catch (err) {
      throw mapError(err, this.finalUrl);
    } finally {
      this.close();
    }
  }

  /** Reads the whole (decompressed, capped) body. */
  async buffer(): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const chunk of this) chunks.push(chunk);
    return Buffer.concat(chunks);
  }

  /** Reads the whole body as UTF-8 text. */
  async text(): Promise<string> {
    return (await this.buffer()).toString('utf8');
  }

  /** Discards the rest of the body, frees the connection and the host slot. Safe to call twice. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    discard(this.init.raw);
    this.init.release();
  }
}
