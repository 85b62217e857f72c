import { mkdirSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { assertReportTarget, writeReportFile } from '../../src/report/write-report-file.js';

const tempDir = () => mkdtempSync(path.join(os.tmpdir(), 'pipectl-report-file-'));

describe('writing a report file', () => {
  it('replaces the file and leaves no temporary file', async () => {
    const dir = tempDir();
    await writeReportFile(path.join(dir, 'checks.xml'), 'one');
    await writeReportFile(path.join(dir, 'checks.xml'), 'two');
    expect(readFileSync(path.join(dir, 'checks.xml'), 'utf8')).toBe('two');
    expect(readdirSync(dir)).toEqual(['checks.xml']);
  });

  it('removes its temporary file when the target is a directory, and says so', async () => {
    const dir = tempDir();
    mkdirSync(path.join(dir, 'ck'));
    await expect(writeReportFile(path.join(dir, 'ck'), 'report')).rejects.toMatchObject({
      code: 'output_unwritable',
      message: `cannot write the report to ${path.join(dir, 'ck')}: it is a directory`,
    });
    expect(readdirSync(dir)).toEqual(['ck']);
  });

  it('refuses a directory as the target up front', async () => {
    const dir = tempDir();
    await expect(assertReportTarget(dir)).rejects.toMatchObject({ code: 'usage', exitCode: 2 });
    await expect(assertReportTarget(path.join(dir, 'new.xml'))).resolves.toBeUndefined();
  });
});
