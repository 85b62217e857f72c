import pg from './pg.js';
import { preparedName } from './prepared.js';

// int8 (counts, bigint ids) as numbers, as PGlite returns them: ids stay far below 2^53.
const int8Oid = 20;
const types = {
  getTypeParser: (oid: number, format?: 'text' | 'binary') =>
    oid === int8Oid ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as 'text'),
};

/** A pg client that sends the SQL of a `prepared` query as its named prepared statement. */
class PreparingClient extends pg.Client {
  // biome-ignore lint/suspicious/noExplicitAny: pg's query() has many overloads; only kysely's (text, values) is intercepted.
  override query(config: any, values?: any, callback?: any): any {
    if (typeof config === 'string' && Array.isArray(values) && callback === undefined) {
      const name = preparedName(config);
      if (name) return super.query({ name, text: config, values });
    }
    return super.query(config, values, callback);
  }
}

export interface PgPoolOptions {
  connectionString: string;
  max: number;
  applicationName?: string;
  connectionTimeoutMillis?: number;
}

/**
 * The pool every server connection of pipectl comes from: int8 parsed as numbers, `prepared`
 * queries sent as named prepared statements, and no unhandled 'error' event when the server
 * drops a connection (restart, pg_terminate_backend): idle clients report through the pool,
 * checked-out ones through their own listener, and the failed query rejects so that callers
 * can retry.
 */
export function createPgPool(o: PgPoolOptions): pg.Pool {
  const pool = new pg.Pool({
    connectionString: o.connectionString,
    max: o.max,
    types,
    Client: PreparingClient,
    connectionTimeoutMillis: o.connectionTimeoutMillis ?? 10_000,
    application_name: o.applicationName ?? 'pipectl',
  });
  pool.on('error', () => {});
  pool.on('connect', (client) => client.on('error', () => {}));
  openPools.add(pool);
  return pool;
}

const openPools = new Set<pg.Pool>();

/**
 * Connections of the pools this process opened and has not ended, for `/metrics`. `waiting` is
 * the queries queued for a free connection: above 0 for long, the pool is the bottleneck (a
 * heartbeat waiting there can come late). All 0 on PGlite.
 */
export function pgPoolStats(): { total: number; idle: number; waiting: number } {
  const stats = { total: 0, idle: 0, waiting: 0 };
  for (const pool of openPools) {
    if (pool.ended) {
      openPools.delete(pool);
      continue;
    }
    stats.total += pool.totalCount;
    stats.idle += pool.idleCount;
    stats.waiting += pool.waitingCount;
  }
  return stats;
}
