import { execFileSync } from 'node:child_process';
import { mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadChecksFile, maxChecksFileBytes } from '../../src/checks/load-checks-file.js';
import { shippedChecksPath } from '../../src/checks/resolve-checks-path.js';

describe('reading a checks file', () => {
  it('refuses an endless file such as /dev/zero quickly, naming the size cap', async () => {
    const started = performance.now();
    await expect(loadChecksFile('/dev/zero', os.tmpdir())).rejects.toMatchObject({
      code: 'checks_file_too_large',
      exitCode: 2,
      message: 'the checks file /dev/zero is larger than 16 MiB, the most pipectl reads — is --config the right file?',
    });
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('refuses a regular file over the cap, and reads one at the cap', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'pipectl-big-checks-'));
    const head = 'checks:\n  - { name: a, description: x, severity: warn, sql: select 1 where false }\n';
    const padded = (size: number) => `${head}${'#'.repeat(size - head.length - 1)}\n`;
    writeFileSync(path.join(dir, 'over.yml'), padded(maxChecksFileBytes + 1));
    writeFileSync(path.join(dir, 'at.yml'), padded(maxChecksFileBytes));
    await expect(loadChecksFile(path.join(dir, 'over.yml'), dir)).rejects.toMatchObject({
      code: 'checks_file_too_large',
    });
    expect((await loadChecksFile(path.join(dir, 'at.yml'), dir)).checks.map((c) => c.name)).toEqual(['a']);
  });
});

describe('the alert namespace of a checks file', () => {
  const one = 'checks:\n  - { name: a, description: x, severity: warn, sql: select 1 where false }\n';

  it("is the file's real path, whatever path or symlink names it, and `shipped` for the shipped file", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'pipectl-ns-'));
    writeFileSync(path.join(dir, 'checks.yml'), one);
    symlinkSync(path.join(dir, 'checks.yml'), path.join(dir, 'link.yml'));
    const direct = await loadChecksFile(path.join(dir, 'checks.yml'), dir);
    const linked = await loadChecksFile(path.join(dir, 'link.yml'), os.tmpdir());
    expect(direct.namespace).toMatch(/^file:\/.*\/checks\.yml$/);
    expect(linked.namespace).toBe(direct.namespace);
    expect((await loadChecksFile(shippedChecksPath, dir)).namespace).toBe('shipped');
  });

  it('is the declared namespace: when the file has one', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'pipectl-ns-'));
    writeFileSync(path.join(dir, 'checks.yml'), `namespace: team-a\n${one}`);
    expect((await loadChecksFile(path.join(dir, 'checks.yml'), dir)).namespace).toBe('team-a');
  });

  it('is missing for a pipe without a declared one, which every piped file would otherwise share', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'pipectl-ns-'));
    const fifo = path.join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    const [loaded] = await Promise.all([loadChecksFile(fifo, dir), writeFile(fifo, one)]);
    expect(loaded.checks.map((c) => c.name)).toEqual(['a']);
    expect(loaded.namespace).toBeUndefined();
  });
});
