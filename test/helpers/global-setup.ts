import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { Kysely } from 'kysely';
import pg from 'pg';
import { migrateToLatest } from '../../src/db/migrator.js';
import { PGliteDialect } from '../../src/db/pglite-dialect.js';
import type { Database } from '../../src/db/schema.js';
import { pgliteTemplatePath, serverUrl, templateDatabase, withDatabase } from './test-env.js';

/**
 * Builds the migrated templates once per run: a PostgreSQL template database (each test file
 * clones it with CREATE DATABASE … TEMPLATE) and a PGlite data-dir dump (each test loads it),
 * so no test pays for initdb or migrations.
 */
export default async function setup(): Promise<() => Promise<void>> {
  // Workers inherit the environment: they find this run's template by this name.
  process.env.PIPECTL_TEST_RUN = String(process.pid);
  mkdirSync('.test-results', { recursive: true });
  const pglite = await PGlite.create();
  const db = new Kysely<Database>({ dialect: new PGliteDialect(pglite) });
  await migrateToLatest(db);
  const dump = await pglite.dumpDataDir('none');
  writeFileSync(pgliteTemplatePath, Buffer.from(await dump.arrayBuffer()));
  await pglite.close();

  if (!serverUrl) {
    process.stderr.write(
      '\n  NOTICE: TEST_DATABASE_URL is not set — the PostgreSQL server tests are SKIPPED; only PGlite runs.\n' +
        '  Set TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres to run them.\n\n',
    );
    return async () => rmSync(pgliteTemplatePath, { force: true });
  }
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`drop database if exists ${templateDatabase}`);
    await admin.query(`create database ${templateDatabase}`);
  } finally {
    await admin.end();
  }
  const template = new Kysely<Database>({
    dialect: new (await import('kysely')).PostgresDialect({
      pool: new pg.Pool({ connectionString: withDatabase(serverUrl, templateDatabase), max: 1 }),
    }),
  });
  await migrateToLatest(template);
  await template.destroy();
  return async () => {
    rmSync(pgliteTemplatePath, { force: true });
    const a = new pg.Client({ connectionString: serverUrl });
    await a.connect();
    await a.query(`drop database if exists ${templateDatabase} with (force)`);
    await a.end();
  };
}
