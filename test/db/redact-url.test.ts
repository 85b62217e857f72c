import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { redactUrl } from '../../src/db/open-database.js';
import { runCli } from '../helpers/cli.js';
import { serverUrl, withDatabase } from '../helpers/test-env.js';

describe('redactUrl', () => {
  it('masks the password in the userinfo part and in the query string', () => {
    expect(
      redactUrl('postgres://postgres:pw@127.0.0.1:5432/db?password=QPWSEKRET&sslpassword=KEYPASS&sslmode=disable'),
    ).toBe('postgres://postgres:***@127.0.0.1:5432/db?password=***&sslpassword=***&sslmode=disable');
  });

  it('leaves a URL without secrets as it is', () => {
    expect(redactUrl('postgres://postgres@db:5432/pipeline?application_name=x')).toBe(
      'postgres://postgres@db:5432/pipeline?application_name=x',
    );
  });
});

describe.skipIf(!serverUrl)('a password in the DATABASE_URL query string', { timeout: 120_000 }, () => {
  const secret = 'QPWSEKRET';
  const withPassword = (url: string) => {
    const u = new URL(url);
    u.searchParams.set('password', secret);
    return u.toString();
  };

  it('is never printed by db status, db migrate or the schema-out-of-date error', async () => {
    const name = `pipectl_redact_${Date.now().toString(36)}`;
    const admin = new pg.Client({ connectionString: serverUrl });
    await admin.connect();
    await admin.query(`create database ${name}`);
    try {
      const env = { DATABASE_URL: withPassword(withDatabase(serverUrl ?? '', name)) };
      const runs = [
        await runCli(['db', 'status'], { env }),
        await runCli(['db', 'status', '--json'], { env }),
        await runCli(['domains', 'list'], { env }),
        await runCli(['domains', 'list', '--json'], { env }),
        await runCli(['db', 'migrate', '--json'], { env }),
      ];
      expect(runs.map((r) => r.code)).toEqual([1, 1, 2, 2, 0]);
      expect(runs[2]?.stderr).toContain('is out of date');
      expect(JSON.parse(runs[4]?.stdout ?? '').location).toContain('password=***');
      for (const r of runs) expect(r.stdout + r.stderr).not.toContain(secret);
    } finally {
      await admin.query(`drop database if exists ${name} with (force)`);
      await admin.end();
    }
  });
});
