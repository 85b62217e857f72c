import { createRequire } from 'node:module';
import type * as Pg from 'pg';
import type PgModule from 'pg';

/**
 * The `pg` package, loaded without Node's fetch. When it loads, pg asks whether it runs in a
 * Cloudflare Worker: by `navigator.userAgent` where there is a `navigator` (Node ≥ 21), else by
 * creating a `Response`, which on Node 20 loads Node's whole fetch implementation — about a
 * tenth of a worker's start-up. A `navigator` like Node 21's, present only while pg loads, gives
 * it the cheap answer. Import pg from here, not from 'pg', in anything a command loads.
 */
const require = createRequire(import.meta.url);
const lent = !('navigator' in globalThis);
if (lent) {
  Object.defineProperty(globalThis, 'navigator', {
    value: { userAgent: `Node.js/${process.versions.node.split('.')[0]}` },
    configurable: true,
  });
}
let loaded: typeof PgModule;
try {
  loaded = require('pg') as typeof PgModule;
} finally {
  if (lent) Reflect.deleteProperty(globalThis, 'navigator');
}
const pg = loaded;
// The package's types under the same name, so that `pg.Pool` and `pg.Client` read as before.
declare namespace pg {
  export type Pool = Pg.Pool;
  export type Client = Pg.Client;
  export type PoolConfig = Pg.PoolConfig;
  export type ClientConfig = Pg.ClientConfig;
}
export default pg;
