import { randomBytes } from 'node:crypto';
import { expect, it } from 'vitest';

/**
 * The database password of this test file's runs. The server trusts local connections, so any
 * password connects; it is in every DATABASE_URL the CLI gets here, and must never come out.
 */
export const databasePassword = `Rel-pw-${randomBytes(9).toString('hex')}`;

/** The server URL with the test password in it. */
export function withPassword(url: string): string {
  const u = new URL(url);
  u.password = databasePassword;
  return u.toString();
}

const outputs: string[] = [];
const secrets = new Set<string>([databasePassword]);

/** Adds a secret that this file's CLI output must never contain (a Slack webhook URL, its token). */
export function addSecret(secret: string): void {
  secrets.add(secret);
}

/** Keeps a CLI run's output for the secret scan at the end of the file. */
export function recordOutput(run: { stdout: string; stderr: string }): void {
  outputs.push(run.stdout, run.stderr);
}

/** Bytes of CLI output recorded so far. */
export function recordedBytes(): number {
  return outputs.reduce((n, o) => n + o.length, 0);
}

/**
 * The last test of a file: no recorded CLI output (logs, errors, --json documents) contains a
 * secret, verbatim or percent-encoded.
 */
export function itLeaksNoSecrets(): void {
  it('leaks no secret (database password, webhook URL) in any CLI output of this file', () => {
    expect(recordedBytes()).toBeGreaterThan(0);
    const leaks: string[] = [];
    for (const secret of secrets) {
      for (const form of new Set([secret, encodeURIComponent(secret)])) {
        const hit = outputs.find((o) => o.includes(form));
        if (hit !== undefined) {
          const at = hit.indexOf(form);
          leaks.push(`${form}: …${hit.slice(Math.max(0, at - 120), at + form.length + 40)}…`);
        }
      }
    }
    expect(leaks).toEqual([]);
  });
}
