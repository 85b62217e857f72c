import { readFileSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { createPgPool } from '../../src/db/pg-pool.js';
import { PGliteDialect } from '../../src/db/pglite-dialect.js';
import type { Database } from '../../src/db/schema.js';
import { pgliteTemplatePath, serverUrl, templateDatabase, withDatabase } from './test-env.js';

export type BackendName = 'pglite' | 'postgres';

/** A migrated, empty database for one test file. */
export interface TestDatabase {
  db: Kysely<Database>;
  /** The server URL (postgres only): child processes such as the CLI connect with it. */
  url?: string;
}

/** The backends to run a suite on: PGlite always; the server when TEST_DATABASE_URL is set. */
export const backends: { name: BackendName; skip: boolean }[] = [
  { name: 'pglite', skip: false },
  { name: 'postgres', skip: serverUrl === undefined },
];

async function createServerDatabase(): Promise<{
  db: Kysely<Database>;
  url: string;
  drop: () => Promise<void>;
  keep: () => Promise<void>;
}> {
  if (!serverUrl) throw new Error('TEST_DATABASE_URL is not set');
  const name = `pipectl_t_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`create database ${name} template ${templateDatabase}`);
  await admin.end();
  const url = withDatabase(serverUrl, name);
  // The product's pool (int8 as numbers, the queue's prepared statements, dropped connections
  // reported rather than thrown). Not named 'pipectl…': the tests that terminate the workers'
  // backends pick them by that name.
  const pool = createPgPool({ connectionString: url, max: 5, applicationName: 'vitest' });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return {
    db,
    url,
    drop: async () => {
      await db.destroy();
      const a = new pg.Client({ connectionString: serverUrl });
      await a.connect();
      await a.query(`drop database if exists ${name} with (force)`);
      await a.end();
    },
    keep: async () => {
      await db.destroy();
      process.stderr.write(`  kept the failed test's database for inspection: ${url}\n`);
    },
  };
}

/** A fresh PGlite loaded from the migrated template dump (in memory). */
export async function createPgliteDatabase(): Promise<{ db: Kysely<Database>; pglite: PGlite }> {
  const pglite = await PGlite.create({ loadDataDir: new Blob([readFileSync(pgliteTemplatePath)]) });
  return { db: new Kysely<Database>({ dialect: new PGliteDialect(pglite) }), pglite };
}

/**
 * Gives a describe block its own migrated database on the named backend. A server database
 * is cloned from the template and dropped afterwards, but kept (and named) when a test failed.
 */
export function useTestDatabase(backend: BackendName): TestDatabase {
  const handle = {} as TestDatabase;
  let failed = false;
  let cleanup: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    if (backend === 'pglite') {
      const { db, pglite } = await createPgliteDatabase();
      handle.db = db;
      cleanup = async () => {
        await db.destroy();
        await pglite.close();
      };
    } else {
      const created = await createServerDatabase();
      handle.db = created.db;
      handle.url = created.url;
      cleanup = () => (failed ? created.keep() : created.drop());
    }
  });
  afterEach((ctx) => {
    if (ctx.task.result?.state === 'fail') failed = true;
  });
  afterAll(async () => {
    await cleanup?.();
  });
  return handle;
}
