import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { gzipSync } from 'node:zlib';

/** How one path of a site answers: a document (optionally gzip on the wire), a redirect, or a handler. */
export type Route =
  | { status?: number; type?: string; body: string | Buffer; gzip?: boolean; headers?: Record<string, string> }
  | { redirect: string; status?: 301 | 302 | 307 | 308 }
  | { handle: (req: IncomingMessage, res: ServerResponse, signal: AbortSignal) => void | Promise<void> };

/** A site: its paths; anything else is a 404 HTML page. */
export type Site = Record<string, Route>;

export interface SiteServer {
  /** http://127.0.0.1:PORT */
  readonly origin: string;
  readonly port: number;
  readonly domains: readonly string[];
  /** `--connect-to` rules that send every domain, on any port, to this server. */
  readonly connectTo: readonly string[];
  /** How many requests it answered. */
  readonly requestCount: () => number;
  close(): Promise<void>;
}

const notFound = (host: string) =>
  `<!DOCTYPE html><html><head><title>404 Not Found</title></head><body><h1>Not Found</h1><p>The requested URL was not found on ${host}.</p></body></html>`;

async function answer(route: Route, req: IncomingMessage, res: ServerResponse, signal: AbortSignal): Promise<void> {
  if ('handle' in route) return route.handle(req, res, signal);
  if ('redirect' in route) {
    res.writeHead(route.status ?? 301, { location: route.redirect, 'content-type': 'text/html' });
    res.end(`<a href="${route.redirect}">moved</a>`);
    return;
  }
  let body = typeof route.body === 'string' ? Buffer.from(route.body) : route.body;
  const headers: Record<string, string> = {
    'content-type': route.type ?? 'application/xml; charset=utf-8',
    ...route.headers,
  };
  if (route.gzip && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''))) {
    body = gzipSync(body);
    headers['content-encoding'] = 'gzip';
    headers.vary = 'Accept-Encoding';
  }
  headers['content-length'] = String(body.length);
  res.writeHead(route.status ?? 200, headers);
  res.end(body);
}

/**
 * A real HTTP server on 127.0.0.1 (a random port) serving sites by Host header, so that the
 * demo and the tests crawl realistic domains without the network. Reach it with `--connect-to`
 * (curl semantics): the crawler still believes it talks to `jenkinseyecare.com:80`.
 */
export async function startSiteServer(
  sites: Record<string, Site>,
  options: { onRequest?: (host: string, req: IncomingMessage) => void } = {},
): Promise<SiteServer> {
  const closing = new AbortController();
  const sockets = new Set<Socket>();
  let count = 0;
  const server = createServer((req, res) => {
    count++;
    const host = String(req.headers.host ?? '')
      .replace(/:\d+$/, '')
      .toLowerCase();
    options.onRequest?.(host, req);
    const route = sites[host]?.[req.url ?? '/'];
    if (route === undefined) {
      res.writeHead(404, { 'content-type': 'text/html; charset=utf-8' });
      res.end(notFound(host));
      return;
    }
    answer(route, req, res, closing.signal).catch((err: unknown) => {
      if (closing.signal.aborted) return;
      if (!res.headersSent) res.writeHead(500);
      res.end(String(err));
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  const domains = Object.keys(sites);
  return {
    origin: `http://127.0.0.1:${port}`,
    port,
    domains,
    connectTo: domains.map((d) => `${d}::127.0.0.1:${port}`),
    requestCount: () => count,
    close: async () => {
      // A stalled response keeps its socket open: end them, or close() would wait for them.
      closing.abort();
      for (const socket of sockets) socket.destroy();
      server.close();
      await once(server, 'close');
    },
  };
}
