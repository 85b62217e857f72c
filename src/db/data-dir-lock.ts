import { linkSync, mkdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { errorCode, PipectlError } from '../errors.js';
import { dataDirUnusable } from './data-dir-unusable.js';

/** Who holds an embedded data directory. */
export interface LockHolder {
  pid: number;
  hostname: string;
  command: string;
  since: string;
}

/** A held lock on an embedded data directory; `release()` is idempotent. */
export interface DataDirLock {
  readonly path: string;
  release(): void;
}

/**
 * `pipectl audit domain` for `pipectl audit domain x.com --slack-webhook https://…`: only the
 * command's own words. The lock file is readable and its holder is printed to other users, so
 * arguments (a webhook URL, a database URL with a password) must never be copied into it.
 */
export function commandWords(args: readonly string[]): string {
  const words: string[] = [];
  for (const a of args) {
    if (!/^[a-z][a-z-]*$/.test(a) || words.length === 2) break;
    words.push(a);
  }
  return ['pipectl', ...words].join(' ');
}

/** The lock file sits beside the data directory, so PGlite's own files stay untouched. */
export function lockPathFor(dataDir: string): string {
  return `${path.resolve(dataDir)}.lock`;
}

function readHolder(lockPath: string): LockHolder | undefined {
  try {
    return JSON.parse(readFileSync(lockPath, 'utf8')) as LockHolder;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return errorCode(err) === 'EPERM';
  }
}

function inUse(dataDir: string, holder: LockHolder, lockPath: string): PipectlError {
  return new PipectlError(
    'data_dir_locked',
    `the embedded database ${dataDir} is in use by pid ${holder.pid} (${holder.command}, since ${holder.since}); ` +
      `only one process may open it — stop that process, or use a PostgreSQL server (DATABASE_URL) for concurrent workers ` +
      `(if pid ${holder.pid} is not pipectl, delete ${lockPath})`,
  );
}

/**
 * Takes the single-process lock on an embedded data directory, or fails at once (never waits)
 * naming the holder. PGlite is one in-process Postgres: two processes writing the same files
 * would corrupt them. A lock left by a dead process on this host is taken over.
 *
 * The lock is published atomically (write a private file, then hard-link it into place), so a
 * reader never sees a half-written lock.
 */
export function acquireDataDirLock(dataDir: string, command = commandWords(process.argv.slice(2))): DataDirLock {
  const lockPath = lockPathFor(dataDir);
  const me: LockHolder = {
    pid: process.pid,
    hostname: os.hostname(),
    command,
    since: new Date().toISOString(),
  };
  const draft = `${lockPath}.${process.pid}.tmp`;
  try {
    // The data directory itself is made here, before PGlite sees it: PGlite reports a file in the
    // way as a raw Node warning and an "[object Object]" error.
    mkdirSync(dataDir, { recursive: true });
    if (!statSync(dataDir).isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
    writeFileSync(draft, JSON.stringify(me));
  } catch (err) {
    throw dataDirUnusable(dataDir, err);
  }
  try {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        linkSync(draft, lockPath);
        return heldLock(lockPath);
      } catch (err) {
        if (errorCode(err) !== 'EEXIST') throw err;
      }
      const holder = readHolder(lockPath);
      if (holder && (holder.hostname !== me.hostname || isAlive(holder.pid))) throw inUse(dataDir, holder, lockPath);
      // The holder died without releasing (kill -9, power loss): its lock is stale.
      try {
        unlinkSync(lockPath);
      } catch {
        // Another process removed it first; try again.
      }
    }
    const holder = readHolder(lockPath);
    throw holder ? inUse(dataDir, holder, lockPath) : new PipectlError('data_dir_locked', `cannot lock ${lockPath}`);
  } finally {
    unlinkSync(draft);
  }
}

function heldLock(lockPath: string): DataDirLock {
  let held = true;
  const release = () => {
    if (!held) return;
    held = false;
    process.off('exit', release);
    if (readHolder(lockPath)?.pid === process.pid) unlinkSync(lockPath);
  };
  process.on('exit', release);
  return { path: lockPath, release };
}
