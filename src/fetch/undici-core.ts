import { createRequire } from 'node:module';
import v8 from 'node:v8';
import type { Dispatcher, Agent as UndiciAgent, buildConnector as undiciBuildConnector } from 'undici';

/*
 * The three parts of undici that pipectl uses — Agent, buildConnector and the request API — loaded
 * from their own modules instead of undici's index. The index also loads fetch, WebSocket,
 * EventSource, the cache stores and the mocks: measured on Node 20 (bench/sitemap-parse), it
 * costs about 130 ms and 8 MB of RSS at startup, a tenth of a sitemap worker's memory budget.
 *
 * These are undici's CommonJS modules (the package has no exports map), typed by undici's own
 * declarations. package.json pins undici exactly, and test/fetch exercises every path here.
 */

const require = createRequire(import.meta.url);

/** undici's `Agent`: a connection pool per origin. */
export const Agent: typeof UndiciAgent = require('undici/lib/dispatcher/agent.js');

/** undici's connector factory (timeouts, TLS sessions) that `guardedConnector` wraps. */
export const buildConnector: typeof undiciBuildConnector = require('undici/lib/core/connect.js');

const requestApi: (this: Dispatcher, options: Dispatcher.RequestOptions) => Promise<Dispatcher.ResponseData> =
  require('undici/lib/api/api-request.js');

/** `dispatcher.request(options)`, without the index that attaches it to every dispatcher. */
export function request(dispatcher: Dispatcher, options: Dispatcher.RequestOptions): Promise<Dispatcher.ResponseData> {
  if (primedParsers === undefined) primedParsers = primeHttpParser();
  return requestApi.call(dispatcher, options);
}

/*
 * undici parses HTTP/1.1 with llhttp compiled to WebAssembly, on its first connection. V8 first
 * compiles it with its baseline compiler, then, once a function has executed its "tiering budget"
 * (about a megabyte of response body is enough), recompiles llhttp's 33 KB parse function with
 * TurboFan: ~30 MB of compiler memory at once and ~90 ms of CPU, in every process. That spike
 * alone took a sitemap fetch from ~75 MB to ~110 MB peak RSS (docs/design-notes.md).
 *
 * So before undici's first connection, pipectl compiles the same llhttp bytes itself with a
 * tiering budget of 2^31-1 and keeps the modules alive; V8 caches compiled modules by their bytes,
 * so undici's own `new WebAssembly.Module(...)` gets these, budget included. The flag is set back
 * to V8's default at once, because the budget is read when a module is compiled and PGlite (the
 * embedded database) is WebAssembly too: with the raised budget process-wide, a PGlite insert and
 * update workload ran 40–80 % slower once warm. Skipped when the user set the flag for node.
 * test/fetch/http-parser-tiering.test.ts fails if undici's bytes stop matching these files.
 */
const llhttpModules = ['undici/lib/llhttp/llhttp_simd-wasm.js', 'undici/lib/llhttp/llhttp-wasm.js'];
const v8DefaultTieringBudget = 1_800_000;
let primedParsers: unknown[] | undefined;

interface WasmApi {
  Module: new (bytes: Uint8Array) => unknown;
}

function primeHttpParser(): unknown[] {
  if (process.execArgv.some((arg) => arg.startsWith('--wasm-tiering-budget'))) return [];
  const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
  const modules: unknown[] = [];
  v8.setFlagsFromString('--wasm-tiering-budget=2147483647');
  try {
    for (const file of llhttpModules) {
      try {
        modules.push(new wasm.Module(require(file)));
      } catch {
        // A platform without WebAssembly SIMD: undici falls back to the plain build, primed too.
      }
    }
  } finally {
    v8.setFlagsFromString(`--wasm-tiering-budget=${v8DefaultTieringBudget}`);
  }
  return modules;
}
