import { createRequire } from 'node:module';
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
  return requestApi.call(dispatcher, options);
}
