import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { CliResult } from '../../helpers/cli.js';
import { recordOutput } from './secrets.js';

/** A listening HTTP server that counts every connection it gets. */
export interface Listening {
  port: number;
  connections: () => number;
  close: () => Promise<void>;
}

/**
 * Serves `handler` on each of `hosts` (the same port on each; a host the machine lacks, such as
 * ::1 without IPv6, is skipped), counting connections: a canary for what must never connect.
 */
export async function listen(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  port = 0,
  hosts = ['127.0.0.1'],
): Promise<Listening> {
  const servers: Server[] = [];
  let connections = 0;
  let chosen = port;
  for (const host of hosts) {
    const server = createServer(handler);
    server.on('connection', () => connections++);
    server.on('error', () => {});
    server.listen(chosen, host);
    const result = await Promise.race([
      once(server, 'listening').then(() => true),
      once(server, 'error').then(() => false),
    ]);
    if (!result) continue;
    chosen = (server.address() as AddressInfo).port;
    servers.push(server);
  }
  return {
    port: chosen,
    connections: () => connections,
    close: async () => {
      for (const s of servers) {
        s.closeAllConnections();
        s.close();
      }
    },
  };
}

/** A file with this text in a new temporary directory. */
export function tempFile(name: string, text: string): string {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'pipectl-security-')), name);
  writeFileSync(file, text);
  return file;
}

/** Keeps a CLI run's output for the secret scan, and returns the run. */
export function recorded(r: CliResult): CliResult {
  recordOutput(r);
  return r;
}
