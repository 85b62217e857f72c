// The two backends' drivers (pg, PGlite and its WebAssembly) are imported by the open that
// needs them, not here: a worker on the server never loads PGlite, and start-up is mostly
// module loading (docs/design-notes.md, "Start-up").
import type { PGlite } from '@electric-sql/pglite';
import { Kysely, PostgresDialect, sql } from 'kysely';
import type { Config } from '../config.js';
import { type ConnectionTarget, coerceError, connectionError, PipectlError } from '../errors.js';
import { acquireDataDirLock } from './data-dir-lock.js';
import { assertSchemaCurrent, migrateToLatest } from './migrator.js';
import type { Database } from './schema.js';

export type Backend = 'postgres' | 'pglite';

/** An open database and how to close it. */
export interface OpenedDatabase {
  readonly db: Kysely<Database>;
  readonly backend: Backend;
  /** Where the data lives: a URL without its password, or the embedded data directory. */
  readonly location: string;
  /** Migrations this open applied (the embedded database migrates itself). */
  readonly migrated: string[];
  close(): Promise<void>;
}

export interface OpenOptions {
  /**
   * What to do about pending migrations: `require` (default) refuses to run on an out-of-date
   * server schema; `skip` opens as is (for `db migrate` and `db status`). The embedded database
   * is always migrated, since nobody else can be using it.
   */
  schema?: 'require' | 'skip';
  /**
   * The fewest server connections this command needs: a worker running N jobs at once needs N
   * for its handlers plus a few for claims, heartbeats and completions, whatever --pool-size says.
   */
  minPoolSize?: number;
}

/**
 * Query parameters that carry a secret: libpq and pg accept the password (and the client key's
 * passphrase) in the query string as well as in the userinfo part.
 */
const secretParam = /pass|secret|token/i;

/** The URL as it is safe to print: the password replaced, in the userinfo part and in the query string. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    for (const name of [...u.searchParams.keys()]) if (secretParam.test(name)) u.searchParams.set(name, '***');
    return u.toString();
  } catch {
    return 'the configured database URL';
  }
}

function targetOf(url: string): ConnectionTarget {
  const u = new URL(url);
  return {
    host: u.hostname || 'localhost',
    port: Number(u.port || 5432),
    user: decodeURIComponent(u.username) || undefined,
    database: decodeURIComponent(u.pathname.slice(1)) || undefined,
  };
}

/**
 * Opens the database the configuration names: a PostgreSQL server through a `pg` pool when
 * `databaseUrl` is set, otherwise the embedded PGlite in `dataDir` (locked to this process and
 * migrated). Connection problems become one-line `PipectlError`s with exit code 2.
 */
export async function openDatabase(config: Config, options: OpenOptions = {}): Promise<OpenedDatabase> {
  return config.databaseUrl === undefined
    ? openEmbedded(config.dataDir)
    : openServer(config.databaseUrl, Math.max(config.poolSize, options.minPoolSize ?? 0), options.schema ?? 'require');
}

async function openServer(url: string, poolSize: number, schema: 'require' | 'skip'): Promise<OpenedDatabase> {
  const location = redactUrl(url);
  const target = targetOf(url);
  const { createPgPool } = await import('./pg-pool.js');
  const pool = createPgPool({ connectionString: url, max: poolSize });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  try {
    await sql`select 1`.execute(db);
    if (schema === 'require') await assertSchemaCurrent(db, location);
  } catch (err) {
    await db.destroy();
    throw connectionError(err, target) ?? coerceError(err);
  }
  return { db, backend: 'postgres', location, migrated: [], close: () => db.destroy() };
}

async function openEmbedded(dataDir: string): Promise<OpenedDatabase> {
  const lock = acquireDataDirLock(dataDir);
  let pglite: PGlite | undefined;
  try {
    const [{ PGlite }, { PGliteDialect }] = await Promise.all([
      import('@electric-sql/pglite'),
      import('./pglite-dialect.js'),
    ]);
    pglite = await PGlite.create({ dataDir });
    const db = new Kysely<Database>({ dialect: new PGliteDialect(pglite) });
    const migrated = await migrateToLatest(db);
    const opened = pglite;
    return {
      db,
      backend: 'pglite',
      location: dataDir,
      migrated,
      close: async () => {
        await db.destroy();
        await opened.close();
        lock.release();
      },
    };
  } catch (err) {
    await pglite?.close().catch(() => {});
    lock.release();
    if (err instanceof PipectlError) throw err;
    throw new PipectlError(
      'data_dir_unusable',
      `cannot open the embedded database in ${dataDir}: ${coerceError(err).message} — check the directory, or set PIPECTL_DATA_DIR to a new one`,
      { cause: err },
    );
  }
}
