import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

describe('a DATABASE_URL with sslmode', () => {
  it.each(['require', 'prefer', 'verify-ca'])(
    'sslmode=%s prints only the real error, without pg’s multi-line SECURITY WARNING',
    async (mode) => {
      const r = await runCli(['db', 'status'], {
        env: {
          DATABASE_URL: `postgres://postgres@127.0.0.1:1/pipectl?sslmode=${mode}`,
        },
      });
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(
        'pipectl: cannot connect to 127.0.0.1:1: connection refused — is PostgreSQL running? set DATABASE_URL\n',
      );
    },
  );
});
