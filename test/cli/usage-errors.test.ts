import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

const env = () => ({ PIPECTL_DATA_DIR: path.join(mkdtempSync(path.join(os.tmpdir(), 'pipectl-usage-')), 'data') });

describe('usage errors from the flag parser', { timeout: 120_000 }, () => {
  it.each([
    [['domains', 'list', '--limit', '0'], '--limit: expected an integer greater than or equal to 1 but received: 0'],
    [['process', '-c', '100000'], '--concurrency: expected an integer less than or equal to 1000 but received: 100000'],
    [['process', '--max-urls', '0'], '--max-urls: expected an integer greater than or equal to 1 but received: 0'],
    [['jobs', 'show'], 'missing required argument id'],
    [['audit', 'impact'], 'missing required flag --since'],
  ])('keep the allowed range or the missing name: pipectl %j', async (args, message) => {
    const r = await runCli(args, { env: env() });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`pipectl: ${message} (see --help)\n`);
  });

  it('keep the same detail in the --json error document', async () => {
    const r = await runCli(['domains', 'list', '--limit', '0', '--json'], { env: env() });
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout)).toEqual({
      error: {
        code: 'usage',
        message: '--limit: expected an integer greater than or equal to 1 but received: 0',
        exitCode: 2,
      },
    });
  });
});
