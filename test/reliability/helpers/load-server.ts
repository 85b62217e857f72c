import { once, setMaxListeners } from 'node:events';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { type GeneratedResponse, generatedResponse, unitHash } from './generated-sites.js';

/** What the server does to one request instead of answering it properly. */
export type Fault = '500' | 'reset' | 'stall' | 'truncate';

/**
 * Decides the fault for the `nth` request (1-based) of a URL, or none. Deciding by URL and
 * count, never by time or order across URLs, makes a run reproducible: the third request for
 * a robots.txt fails the same way in every run.
 */
export type FaultPlan = (url: string, nth: number) => Fault | undefined;

export interface LoadServerOptions {
  faults?: FaultPlan;
  /** How long a stalled request stays silent before it is answered normally, ms. Default 10 s. */
  stallMs?: number;
}

export interface LoadServerStats {
  requests: number;
  faults: Record<Fault, number>;
  /** Hosts that received at least one fault. */
  faultedHosts: Set<string>;
}

export interface LoadServer {
  readonly port: number;
  /** One `--connect-to` rule that sends every host, on any port, here. */
  readonly connectTo: string;
  readonly stats: LoadServerStats;
  close(): Promise<void>;
}

/**
 * The fault mix of the "flaky sites" scenario: 20 % of requests. A URL in 2 % of URLs fails
 * with 500 every time (retries fail reproducibly); other requests fail by the hash of URL and
 * attempt (retries succeed, reproducibly): 8 % 500, 5 % connection reset, 3 % a body cut off
 * after half its Content-Length, 2 % a 10-second stall before the answer.
 */
export const twentyPercentFaults: FaultPlan = (url, nth) => {
  if (unitHash(url) < 0.02) return '500';
  const u = unitHash(`${url}#${nth}`);
  if (u < 0.08) return '500';
  if (u < 0.13) return 'reset';
  if (u < 0.16) return 'truncate';
  if (u < 0.18) return 'stall';
  return undefined;
};

function send(res: ServerResponse, r: GeneratedResponse): void {
  const body = Buffer.from(r.body);
  res.writeHead(r.status, { 'content-type': r.type, 'content-length': String(body.length) });
  res.end(body);
}

/**
 * An HTTP server on 127.0.0.1 that serves every generated site (generated-sites.ts) by Host
 * header, optionally injecting faults. Stalled requests end when the server closes.
 */
export async function startLoadServer(options: LoadServerOptions = {}): Promise<LoadServer> {
  const stallMs = options.stallMs ?? 10_000;
  const closing = new AbortController();
  // Every stalled request listens on it.
  setMaxListeners(0, closing.signal);
  const counts = new Map<string, number>();
  const stats: LoadServerStats = {
    requests: 0,
    faults: { '500': 0, reset: 0, stall: 0, truncate: 0 },
    faultedHosts: new Set(),
  };
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    stats.requests++;
    const host = String(req.headers.host ?? '')
      .replace(/:\d+$/, '')
      .toLowerCase();
    const path = req.url ?? '/';
    const answer = generatedResponse(host, path) ?? { status: 404, type: 'text/plain', body: 'unknown host' };
    const url = `http://${host}${path}`;
    const nth = (counts.get(url) ?? 0) + 1;
    counts.set(url, nth);
    const fault = options.faults?.(url, nth);
    if (fault === undefined) return send(res, answer);
    stats.faults[fault]++;
    stats.faultedHosts.add(host);
    switch (fault) {
      case '500':
        res.writeHead(500, { 'content-type': 'text/html' });
        res.end('<h1>Internal Server Error</h1>');
        return;
      case 'reset':
        req.socket.resetAndDestroy();
        return;
      case 'truncate': {
        const body = Buffer.from(answer.body);
        res.writeHead(answer.status, { 'content-type': answer.type, 'content-length': String(body.length) });
        res.write(body.subarray(0, Math.floor(body.length / 2)), () => req.socket.destroy());
        return;
      }
      case 'stall':
        sleep(stallMs, undefined, { signal: closing.signal }).then(
          () => send(res, answer),
          () => req.socket.destroy(),
        );
        return;
    }
  });
  server.keepAliveTimeout = 2000;
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    connectTo: `::127.0.0.1:${port}`,
    stats,
    close: async () => {
      closing.abort();
      for (const socket of sockets) socket.destroy();
      server.close();
      await once(server, 'close');
    },
  };
}
