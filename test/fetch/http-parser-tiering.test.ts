import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/*
 * src/fetch/undici-core.ts compiles undici's llhttp WebAssembly itself, with a tiering budget high
 * enough that V8 never recompiles it with TurboFan (~30 MB of compiler memory per process), and
 * sets the budget back for every other module. These tests watch V8 do it, in child processes
 * started with --trace-wasm-compilation-times, fetching an 8 MB body through the built HttpClient
 * (`npm test` builds dist/ first). They fail if undici's WebAssembly stops being the bytes that
 * pipectl primes, or if the raised budget leaks to other modules (PGlite).
 */

const run = promisify(execFile);
const clientUrl = pathToFileURL(path.resolve('dist/fetch/http-client.js')).href;
/** llhttp's parse function: V8 prints the function's WebAssembly body size with each compilation. */
const llhttpParseBody = 'bodysize 33670';

/*
 * A module with one function, f(n): a loop of n additions. 25 bytes of body; with V8's default
 * budget, a million iterations get it recompiled by TurboFan.
 */
const hotLoopModule = [
  '0x00,0x61,0x73,0x6d,0x01,0x00,0x00,0x00',
  '0x01,0x06,0x01,0x60,0x01,0x7f,0x01,0x7f',
  '0x03,0x02,0x01,0x00',
  '0x07,0x05,0x01,0x01,0x66,0x00,0x00',
  '0x0a,0x1b,0x01,0x19,0x01,0x01,0x7f,0x03,0x40,0x20,0x01,0x20,0x00,0x6a,0x21,0x01',
  '0x20,0x00,0x41,0x01,0x6b,0x22,0x00,0x0d,0x00,0x0b,0x20,0x01,0x0b',
].join(',');

function childScript(url: string, thenRunHotLoop: boolean): string {
  return `
    import { HttpClient } from ${JSON.stringify(clientUrl)};
    const client = new HttpClient({ allowPrivateNetwork: true, perHostDelayMs: 0 });
    const response = await client.fetch(${JSON.stringify(url)});
    let bytes = 0;
    for await (const chunk of response) bytes += chunk.length;
    await client.close();
    ${
      thenRunHotLoop
        ? `const { instance } = await WebAssembly.instantiate(new Uint8Array([${hotLoopModule}]));
           for (let i = 0; i < 20; i++) instance.exports.f(1_000_000);
           await new Promise((resolve) => setTimeout(resolve, 500));`
        : 'await new Promise((resolve) => setTimeout(resolve, 500));'
    }
    console.log(JSON.stringify({ bytes }));
  `;
}

interface Trace {
  bytes: number;
  turbofan: string[];
}

async function traceChild(url: string, nodeFlags: string[], thenRunHotLoop = false): Promise<Trace> {
  const { stdout } = await run(
    process.execPath,
    ['--trace-wasm-compilation-times', ...nodeFlags, '--input-type=module', '--eval', childScript(url, thenRunHotLoop)],
    { maxBuffer: 64 * 1024 * 1024 },
  );
  const lines = stdout.trim().split('\n');
  return {
    bytes: (JSON.parse(lines.at(-1) ?? '{}') as { bytes: number }).bytes,
    turbofan: lines.filter((line) => line.includes('using TurboFan')),
  };
}

describe("undici's HTTP parser stays out of TurboFan", () => {
  const body = Buffer.alloc(8 * 1024 * 1024, 'x');
  let server: Server;
  let url: string;

  beforeAll(async () => {
    server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length });
      res.end(body);
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/big`;
  });

  afterAll(() => {
    server.close();
  });

  it('is recompiled without the priming (the control: this test can see it)', async () => {
    // A --wasm-tiering-budget given to node is the user's choice: pipectl then primes nothing.
    const trace = await traceChild(url, ['--wasm-tiering-budget=1800000']);
    expect(trace.bytes).toBe(body.length);
    expect(trace.turbofan.some((line) => line.includes(llhttpParseBody))).toBe(true);
  });

  it('is never recompiled by pipectl’s client, 8 MB later', async () => {
    const trace = await traceChild(url, []);
    expect(trace.bytes).toBe(body.length);
    expect(trace.turbofan.filter((line) => line.includes(llhttpParseBody))).toEqual([]);
  });

  it('leaves other WebAssembly (PGlite) on V8’s default budget', async () => {
    const trace = await traceChild(url, [], true);
    expect(trace.bytes).toBe(body.length);
    expect(trace.turbofan.filter((line) => line.includes(llhttpParseBody))).toEqual([]);
    expect(trace.turbofan.some((line) => line.includes('bodysize 25 '))).toBe(true);
  });
});
