import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { binPath, runCli } from '../helpers/cli.js';

const tempDir = () => mkdtempSync(path.join(os.tmpdir(), 'pipectl-stdin-'));

const runWithInput = (args: string[], input: string, dataDir: string) =>
  runCli(args, { input, env: { PIPECTL_DATA_DIR: dataDir } });

describe('stdin', { timeout: 120_000 }, () => {
  it('is read line by line by domains add --file -', async () => {
    const r = await runWithInput(
      ['domains', 'add', '--file', '-', '--json'],
      'a1.com\na2.com # lead\n\na3.com\n',
      path.join(tempDir(), 'data'),
    );
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ added: 3, rejected: 0 });
    expect(JSON.parse(r.stdout).results.map((x: { domain: string }) => x.domain)).toEqual([
      'a1.com',
      'a2.com',
      'a3.com',
    ]);
  });

  it('is never taken as a missing positional argument', async () => {
    const dataDir = path.join(tempDir(), 'data');
    const file = path.join(tempDir(), 'three.txt');
    writeFileSync(file, 'b1.com\n');
    const add = await runWithInput(['domains', 'add', '--file', file, '--json'], 'piped.com\n', dataDir);
    expect(add.code).toBe(0);
    expect(JSON.parse(add.stdout).results.map((x: { input: string }) => x.input)).toEqual(['b1.com']);

    const show = await runWithInput(['jobs', 'show'], '00000000-0000-4000-8000-000000000000\n', dataDir);
    expect(show.code).toBe(2);
    expect(show.stderr).toBe('pipectl: missing required argument id (see --help)\n');
  });

  it('is left to a shell loop that calls pipectl once per line', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'stages.txt'), 'sitemap\npage_import\ncontact_scan\n');
    const script = `while read s; do echo "stage $s"; "${process.execPath}" "${binPath}" jobs retry --status failed --stage "$s" --dry-run; done < stages.txt`;
    const { stdout } = await promisify(execFile)('sh', ['-c', script], {
      cwd: dir,
      env: { ...process.env, DATABASE_URL: '', PIPECTL_DATA_DIR: path.join(dir, 'data') },
    });
    expect(stdout.match(/^stage .*$/gm)).toEqual(['stage sitemap', 'stage page_import', 'stage contact_scan']);
    expect(stdout.match(/dry run: would retry 0 of 0 jobs/g)).toHaveLength(3);
  });
});
