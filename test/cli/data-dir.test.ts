import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

const tempDir = () => mkdtempSync(path.join(os.tmpdir(), 'pipectl-datadir-'));

describe('the embedded data directory', { timeout: 120_000 }, () => {
  it('falls back to ./.pipectl/data for an empty --data-dir, as for an empty PIPECTL_DATA_DIR', async () => {
    const cwd = path.join(tempDir(), 'w');
    mkdirSync(cwd);
    const r = await runCli(['domains', 'list', '--data-dir', '', '--json'], { cwd, env: { PIPECTL_DATA_DIR: '' } });
    expect(r.code).toBe(0);
    expect(readdirSync(cwd)).toEqual(['.pipectl']);
  });

  it.each([
    ['a file', (dir: string) => path.join(dir, 'f'), 'a file is in the way'],
    ['a path under a file', (dir: string) => path.join(dir, 'f', 'sub'), 'a file is in the way'],
    ['/proc/self', () => '/proc/self', 'files cannot be created there'],
  ])('is refused in one line, exit 2, when it is %s', async (_what, dataDir, reason) => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'f'), '');
    const r = await runCli(['domains', 'list'], { env: { PIPECTL_DATA_DIR: dataDir(dir) } });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `pipectl: cannot use ${dataDir(dir)} as the embedded database directory: ${reason} — set --data-dir or PIPECTL_DATA_DIR to a directory you can write\n`,
    );
    const json = await runCli(['domains', 'list', '--json'], { env: { PIPECTL_DATA_DIR: dataDir(dir) } });
    expect(JSON.parse(json.stdout).error).toMatchObject({ code: 'data_dir_unusable', exitCode: 2 });
  });
});
