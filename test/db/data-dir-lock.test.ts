import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config.js';
import { acquireDataDirLock, commandWords, lockPathFor } from '../../src/db/data-dir-lock.js';
import { openDatabase } from '../../src/db/open-database.js';
import { PipectlError } from '../../src/errors.js';
import { runCli } from '../helpers/cli.js';

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
});

/** Starts a process that opens the data dir and holds it; resolves once it has written a row. */
function holdDataDir(dataDir: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/hold-data-dir.ts', dataDir], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => {
      if (d.toString().includes('ready')) resolve(child);
    });
    child.on('exit', (code) => reject(new Error(`holder exited early with ${code}`)));
  });
}

describe('the embedded data dir lock', () => {
  it('refuses a second process at once, naming the holder, and reopens after the holder dies', async () => {
    const dataDir = path.join(mkdtempSync(path.join(os.tmpdir(), 'pipectl-lock-')), 'data');
    const holder = await holdDataDir(dataDir);

    const second = await runCli(['db', 'status', '--json'], { env: { PIPECTL_DATA_DIR: dataDir } });
    expect(second.code).toBe(2);
    expect(second.ms).toBeLessThan(2000 + 1500); // node start-up included; the lock itself never waits
    expect(second.stderr).toContain(`in use by pid ${holder.pid}`);
    expect(second.stderr).toContain('DATABASE_URL');
    expect(second.stderr.trim().split('\n')).toHaveLength(1);
    expect(JSON.parse(second.stdout).error.code).toBe('data_dir_locked');

    // kill -9 leaves a stale lock behind; the next process takes it over and finds the data intact.
    holder.kill('SIGKILL');
    await new Promise((r) => holder.once('exit', r));
    expect(existsSync(lockPathFor(dataDir))).toBe(true);
    const after = await runCli(['db', 'status', '--json'], { env: { PIPECTL_DATA_DIR: dataDir } });
    expect(after.stderr).toBe('');
    expect(after.code).toBe(0);
    expect(JSON.parse(after.stdout).upToDate).toBe(true);
    expect(existsSync(lockPathFor(dataDir))).toBe(false);

    const reopened = await openDatabase(resolveConfig({ 'data-dir': dataDir }, {}));
    try {
      const rows = await reopened.db.selectFrom('domains').select('domain').execute();
      expect(rows).toEqual([{ domain: 'held.example' }]);
    } finally {
      await reopened.close();
    }
  });

  it('is exclusive within one process too, and released locks can be taken again', () => {
    const dataDir = path.join(mkdtempSync(path.join(os.tmpdir(), 'pipectl-lock-')), 'data');
    const lock = acquireDataDirLock(dataDir);
    expect(JSON.parse(readFileSync(lock.path, 'utf8')).pid).toBe(process.pid);
    expect(() => acquireDataDirLock(dataDir)).toThrow(PipectlError);
    lock.release();
    lock.release();
    const again = acquireDataDirLock(dataDir);
    again.release();
    expect(existsSync(lock.path)).toBe(false);
  });
});

describe('commandWords', () => {
  it('keeps the command words and never an argument (a secret may be one)', () => {
    expect(commandWords(['check', '--slack-webhook', 'https://hooks.slack.com/services/T/B/secret'])).toBe(
      'pipectl check',
    );
    expect(commandWords(['audit', 'domain', 'jenkinseyecare.com'])).toBe('pipectl audit domain');
    expect(commandWords(['--database-url', 'postgres://u:pw@h/db', 'db', 'status'])).toBe('pipectl');
    expect(commandWords([])).toBe('pipectl');
  });
});
