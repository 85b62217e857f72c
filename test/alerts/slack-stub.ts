import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach } from 'vitest';

/** How the stub answers one request; after the queued answers run out it answers 200 `ok`. */
export interface StubAnswer {
  status?: number;
  body?: string;
  headers?: Record<string, string>;
  /** Wait this long before answering (a slow Slack, so that concurrent runs overlap). */
  delayMs?: number;
  /** Never answer: the request stays open until the client gives up. */
  hang?: boolean;
}

/** A stand-in for Slack's incoming-webhook endpoint on 127.0.0.1. */
export interface SlackStub {
  /** The webhook URL, with a secret-looking path that must never appear in any output. */
  readonly url: string;
  /** The secret part of the URL, to scan output for on its own. */
  readonly token: string;
  /** Every request's parsed JSON body, in arrival order, whatever the answer. */
  readonly requests: unknown[];
  /** The bodies answered with a 2xx: what reached the channel. */
  readonly delivered: unknown[];
  /** Queues answers for the next requests. */
  answer(...answers: StubAnswer[]): void;
  /** Forgets requests and queued answers. */
  reset(): void;
  close(): Promise<void>;
}

/** Starts the stub on an ephemeral port of 127.0.0.1. */
export async function startSlackStub(): Promise<SlackStub> {
  const token = `xSECRETx${Math.random().toString(36).slice(2, 12)}`;
  const requests: unknown[] = [];
  const delivered: unknown[] = [];
  let queue: StubAnswer[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(body);
      } catch {
        parsed = body;
      }
      requests.push(parsed);
      const answer = queue.shift() ?? {};
      if (answer.hang) return;
      const reply = () => {
        const status = answer.status ?? 200;
        if (status >= 200 && status < 300) delivered.push(parsed);
        res.writeHead(status, { 'content-type': 'text/html', ...answer.headers });
        res.end(answer.body ?? (status === 200 ? 'ok' : ''));
      };
      if (answer.delayMs) setTimeout(reply, answer.delayMs);
      else reply();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/services/T0STUB000/B0STUB000/${token}`,
    token,
    requests,
    delivered,
    answer: (...answers) => {
      queue.push(...answers);
    },
    reset: () => {
      requests.length = 0;
      delivered.length = 0;
      queue = [];
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Gives the enclosing describe block (or file) one stub: started before its tests, reset before each, closed after. */
export function useSlackStub(): SlackStub {
  let stub: SlackStub | undefined;
  beforeAll(async () => {
    stub = await startSlackStub();
  });
  afterAll(async () => {
    await stub?.close();
  });
  beforeEach(() => stub?.reset());
  const started = (): SlackStub => {
    if (!stub) throw new Error('the Slack stub starts in beforeAll: use it inside a test or a hook');
    return stub;
  };
  return {
    get url() {
      return started().url;
    },
    get token() {
      return started().token;
    },
    get requests() {
      return started().requests;
    },
    get delivered() {
      return started().delivered;
    },
    answer: (...answers) => started().answer(...answers),
    reset: () => started().reset(),
    close: () => started().close(),
  };
}
