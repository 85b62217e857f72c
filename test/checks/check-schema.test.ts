import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCheckSuite } from '../../src/checks/run-check-suite.js';
import { migrateToLatest } from '../../src/db/migrator.js';
import type { Database } from '../../src/db/schema.js';
import { runCli } from '../helpers/cli.js';
import { serverUrl, withDatabase } from '../helpers/test-env.js';

// The CLI cases run the built CLI (`npm run build` first).

describe.skipIf(!serverUrl)(
  'pipectl check on a server database whose schema is not current',
  { timeout: 60_000 },
  () => {
    const name = `pipectl_schema_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 6)}`;
    const url = withDatabase(serverUrl ?? '', name);
    let db: Kysely<Database>;
    const admin = () => new pg.Client({ connectionString: serverUrl });

    beforeAll(async () => {
      const a = admin();
      await a.connect();
      await a.query(`create database ${name}`);
      await a.end();
      db = new Kysely<Database>({
        dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 2 }) }),
      });
    });
    afterAll(async () => {
      await db?.destroy();
      const a = admin();
      await a.connect();
      await a.query(`drop database if exists ${name} with (force)`);
      await a.end();
    });

    const suite = () =>
      runCheckSuite({
        cwd: process.cwd(),
        openDatabase: async () => ({
          db,
          backend: 'postgres',
          location: 'the test server',
          migrated: [],
          close: async () => {},
        }),
      });

    it('says a database that was never migrated has no pipectl schema, instead of running every check into errors', async () => {
      await expect(suite()).rejects.toMatchObject({
        code: 'schema_missing',
        exitCode: 2,
        message:
          'the database at the test server has no pipectl schema (it was never migrated) — run `pipectl db migrate` to create it',
      });
      const r = await runCli(['check', '--json'], { env: { DATABASE_URL: url } });
      expect(r.code).toBe(2);
      expect(JSON.parse(r.stdout)).toMatchObject({ error: { code: 'schema_missing', exitCode: 2 } });
      expect(r.stderr).toMatch(
        /^pipectl: the database at .* has no pipectl schema \(it was never migrated\) — run `pipectl db migrate` to create it\n$/,
      );
      expect(r.stderr).not.toContain('--no-record');
    });

    it('refuses a schema with a pending migration, as every other command does', async () => {
      await migrateToLatest(db);
      await sql`delete from pipectl_migrations where name like '0007%'`.execute(db);
      await expect(suite()).rejects.toMatchObject({ code: 'schema_out_of_date', exitCode: 2 });
      const r = await runCli(['check'], { env: { DATABASE_URL: url } });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(
        /is out of date \(1 pending migration: 0007_domain_page_counts\) — run `pipectl db migrate`\n$/,
      );
    });
  },
);
