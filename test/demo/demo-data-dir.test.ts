import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

// The --help example, `pipectl demo --data-dir ./demo-data`, run twice as a user would.
describe('pipectl demo --data-dir', () => {
  const parent = mkdtempSync(path.join(os.tmpdir(), 'pipectl-demo-dir-'));
  afterAll(() => rmSync(parent, { recursive: true, force: true }));

  it('runs twice on the same directory, starting afresh the second time', async () => {
    const dir = path.join(parent, 'demo-data');
    const first = await runCli(['demo', '--data-dir', dir], { timeoutMs: 180_000 });
    expect(first.code, first.stdout + first.stderr).toBe(0);
    const second = await runCli(['demo', '--data-dir', dir], { timeoutMs: 180_000 });
    expect(second.code, second.stdout + second.stderr).toBe(0);
    expect(second.stdout).toContain(`data: ${dir} (PGlite, emptied: it held an earlier demo)`);
    expect(second.stdout).toContain('requeued 3 domains, cancelled 3 stale jobs');
  }, 400_000);

  it('refuses a non-empty directory it did not create, and leaves it untouched', async () => {
    const dir = mkdtempSync(path.join(parent, 'mine-'));
    writeFileSync(path.join(dir, 'notes.txt'), 'keep me');
    const r = await runCli(['demo', '--data-dir', dir], { timeoutMs: 60_000 });
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe(
      `pipectl: --data-dir ${dir} is not empty and no earlier demo created it — the demo starts from an empty database and never deletes a directory it did not create: give a new or empty directory`,
    );
    expect(r.stdout).toBe('');
    expect(readdirSync(dir)).toEqual(['notes.txt']);
    expect(readFileSync(path.join(dir, 'notes.txt'), 'utf8')).toBe('keep me');
  });
});
