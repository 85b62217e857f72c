import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { runFuzz } from './helpers/run-fuzz.js';

/*
 * Product bugs the reliability suite found, reproduced. This file is excluded from
 * vitest.reliability.config.ts: every test here fails until its bug is fixed. Run it with
 *
 *   RELIABILITY_KNOWN_BUGS=1 npx vitest run --config vitest.reliability.config.ts test/reliability/known-bugs.test.ts
 *
 * and when one passes, delete it here and widen the matching fuzz target in
 * hostile/fuzz-target.ts (`checks-tolerating-known-bugs` becomes `checks`).
 *
 * Bug: parseChecksFile (src/checks/parse-checks-file.ts) lets the YAML library's own exceptions
 * escape instead of reporting a located ChecksConfigError: `doc.toJS()` throws ReferenceError
 * for an unresolved alias and for an alias bomb, and the parser throws RangeError for nesting
 * deeper than the stack. `pipectl check` and `checks validate` then exit 2 with error code
 * `unexpected` and no file:line:column (design §6: errors give file, line and column).
 * Separately, the library's duplicate-key check is quadratic in the number of keys of one map.

 */

function checksFile(text: string): string {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'pipectl-known-bug-')), 'checks.yml');
  writeFileSync(file, text);
  return file;
}

/** `pipectl checks validate --json` on a file: no database is involved. */
async function validate(text: string) {
  const file = checksFile(text);
  const r = await runCli(['checks', 'validate', '--config', file, '--json']);
  return { ...r, file, error: (JSON.parse(r.stdout) as { error?: { code: string; message: string } }).error };
}

describe('known bugs: the checks.yml loader', () => {
  it.each([
    ['an unresolved alias', 'checks: *missing\n', 1],
    [
      'an alias bomb (billion laughs in YAML)',
      'a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: [*d, *d, *d, *d, *d, *d, *d, *d, *d]\n',
      1,
    ],
    // Nesting alone is caught and located by the library; followed by a key, it throws instead.
    ['a block sequence nested 5,000 deep, then a key', `${'- '.repeat(5000)}\nb: 1\n`, 1],
  ])(
    'reports %s as an invalid checks file with its position, exit 2',
    { timeout: 30_000 },
    async (_what, text, line) => {
      const r = await validate(text);
      expect(r.code).toBe(2);
      expect(r.error?.code, r.error?.message).toBe('invalid_checks_file');
      expect(r.error?.message).toMatch(new RegExp(`^${r.file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:${line}:\\d+: `));
    },
  );

  it('validates a 600 KB file of 60,000 keys in linear time', { timeout: 120_000 }, async () => {
    // yaml's uniqueKeys check compares each key with every earlier one: 40,000 keys took 11.8 s
    // in parseDocument alone here, 0.4 s with uniqueKeys: false.
    const text = `checks: []\n${Array.from({ length: 60_000 }, (_, i) => `k${i}: v`).join('\n')}\n`;
    const r = await validate(text);
    expect(r.code).toBe(2);
    expect(r.ms).toBeLessThan(5000);
  });

  it('the strict fuzz: inputs up to 1 MiB, aliases included, only located ChecksConfigErrors', {
    timeout: 300_000,
  }, async () => {
    const r = await runFuzz('checks', 20_251_117, 1000);
    expect(r.hung, r.output).toBeUndefined();
    expect(r.code, r.output).toBe(0);
  });
});
