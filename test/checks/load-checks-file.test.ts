import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadChecksFile, maxChecksFileBytes } from '../../src/checks/load-checks-file.js';

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
    const padded = (size: number) => head + '#'.repeat(size - head.length - 1) + '\n';
    writeFileSync(path.join(dir, 'over.yml'), padded(maxChecksFileBytes + 1));
    writeFileSync(path.join(dir, 'at.yml'), padded(maxChecksFileBytes));
    await expect(loadChecksFile(path.join(dir, 'over.yml'), dir)).rejects.toMatchObject({
      code: 'checks_file_too_large',
    });
    expect((await loadChecksFile(path.join(dir, 'at.yml'), dir)).checks.map((c) => c.name)).toEqual(['a']);
  });
});
