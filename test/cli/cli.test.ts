import { mkdtempSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { serverUrl, withDatabase } from '../helpers/test-env.js';

/** Every shipped migration, in order: what a fresh database must end up with. */
const allMigrations = readdirSync('src/db/migrations')
  .filter((f) => f.endsWith('.sql'))
  .sort()
  .map((f) => f.replace(/\.sql$/, ''));

const tempDataDir = () => path.join(mkdtempSync(path.join(os.tmpdir(), 'pipectl-cli-')), 'data');

describe('the pipectl CLI', () => {
  it('lists its command topics in --help', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/TOPICS[\s\S]*\bdb\b/);
  });

  it('suggests the nearest command for a typo, with exit code 2', async () => {
    const r = await runCli(['db', 'statsu']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('did you mean "pipectl db status"');
  });

  it('reports an unknown flag as a usage error (exit 2), in one line', async () => {
    const r = await runCli(['db', 'status', '--no-such-flag']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('--no-such-flag');
  });

  it('explains an unreachable server in one line without a stack trace, exit 2', async () => {
    const r = await runCli(['db', 'status'], { env: { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/pipectl' } });
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe(
      'pipectl: cannot connect to 127.0.0.1:1: connection refused — is PostgreSQL running? set DATABASE_URL',
    );
    expect(r.stdout).toBe('');
  });

  it('prints the stack trace only with --debug', async () => {
    const r = await runCli(['db', 'status', '--debug'], {
      env: { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/pipectl' },
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/\n\s+at /);
  });

  it('with --json prints one JSON error document on stdout', async () => {
    const r = await runCli(['db', 'status', '--json'], {
      env: { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/pipectl' },
    });
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout)).toEqual({ error: expect.objectContaining({ code: 'db_unreachable', exitCode: 2 }) });
  });

  it('rejects a database URL that is not postgres://', async () => {
    const r = await runCli(['db', 'status'], { env: { DATABASE_URL: 'mysql://localhost/x' } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('must start with postgres://');
  });

  it('names the setting when the database URL cannot be parsed, and not the password', async () => {
    const r = await runCli(['db', 'status'], { env: { DATABASE_URL: 'postgres://app:s3cret w0rd@127.0.0.1:54x2/x' } });
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe(
      'pipectl: the database URL cannot be parsed (check the port, and percent-encode special characters in the user name and password) — fix DATABASE_URL or --database-url',
    );
    expect(r.stderr).not.toContain('w0rd');
  });

  it('never prints the database password', async () => {
    const r = await runCli(['db', 'status', '--json'], {
      env: { DATABASE_URL: 'postgres://postgres:s3cret-pw@127.0.0.1:1/x' },
    });
    expect(r.stdout + r.stderr).not.toContain('s3cret-pw');
  });

  it('migrates and reports the embedded database', async () => {
    const dataDir = tempDataDir();
    const migrate = await runCli(['db', 'migrate', '--json', '--data-dir', dataDir]);
    expect(migrate.code).toBe(0);
    expect(JSON.parse(migrate.stdout)).toEqual({
      backend: 'pglite',
      location: dataDir,
      applied: allMigrations,
    });
    const again = await runCli(['db', 'migrate', '--json'], { env: { PIPECTL_DATA_DIR: dataDir } });
    expect(JSON.parse(again.stdout).applied).toEqual([]);
    const status = await runCli(['db', 'status', '--json'], { env: { PIPECTL_DATA_DIR: dataDir } });
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({
      backend: 'pglite',
      upToDate: true,
      pending: [],
      applied: allMigrations.map((name) => ({ name })),
    });
  });
});

describe.skipIf(!serverUrl)('the pipectl CLI on a PostgreSQL server', () => {
  it('reports pending migrations (exit 1), migrates, then reports up to date', async () => {
    // A database that has never been migrated, created without the test template.
    const name = `pipectl_cli_${Date.now().toString(36)}`;
    const admin = new pg.Client({ connectionString: serverUrl });
    await admin.connect();
    await admin.query(`create database ${name}`);
    try {
      const url = withDatabase(serverUrl ?? '', name);
      const before = await runCli(['db', 'status', '--json'], { env: { DATABASE_URL: url } });
      expect(before.code).toBe(1);
      expect(JSON.parse(before.stdout)).toMatchObject({
        backend: 'postgres',
        upToDate: false,
        pending: allMigrations,
      });

      // Two hosts deploying at once: the advisory lock lets each migration apply exactly once.
      const [a, b] = await Promise.all([
        runCli(['db', 'migrate', '--json'], { env: { DATABASE_URL: url } }),
        runCli(['db', 'migrate', '--json'], { env: { DATABASE_URL: url } }),
      ]);
      expect([a.code, b.code]).toEqual([0, 0]);
      const applied = [...JSON.parse(a.stdout).applied, ...JSON.parse(b.stdout).applied];
      expect(applied).toEqual(allMigrations);

      const after = await runCli(['db', 'status', '--json'], { env: { DATABASE_URL: url } });
      expect(after.code).toBe(0);
      expect(JSON.parse(after.stdout)).toMatchObject({ upToDate: true, location: url });
    } finally {
      await admin.query(`drop database if exists ${name} with (force)`);
      await admin.end();
    }
  });
});
