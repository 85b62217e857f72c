import { existsSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { acquireDataDirLock } from '../db/data-dir-lock.js';
import { PipectlError } from '../errors.js';

/** The file that marks a data directory as the demo's own, so that a later run may reset it. */
export const demoMarker = 'pipectl-demo';

/**
 * Makes `dataDir` ready for a fresh demo: the demo always starts from an empty database (its
 * story needs the fixture domains to be new). A missing or empty directory is used as it is. A
 * directory an earlier demo created (it holds the marker) is emptied, under the data
 * directory's lock so that no process using it is pulled from under. Anything else is refused
 * and left untouched: the demo never deletes a directory it did not create.
 * Returns whether an earlier run was reset.
 */
export function prepareDemoDir(dataDir: string): boolean {
  if (!existsSync(dataDir)) return false;
  if (!statSync(dataDir).isDirectory())
    throw new PipectlError('usage', `--data-dir ${dataDir} is a file — give a new or empty directory for the demo`);
  const entries = readdirSync(dataDir);
  if (entries.length === 0) return false;
  if (!entries.includes(demoMarker)) {
    throw new PipectlError(
      'usage',
      `--data-dir ${dataDir} is not empty and no earlier demo created it — the demo starts from an empty database and never deletes a directory it did not create: give a new or empty directory`,
    );
  }
  const lock = acquireDataDirLock(dataDir);
  try {
    for (const entry of entries) rmSync(path.join(dataDir, entry), { recursive: true, force: true });
  } finally {
    lock.release();
  }
  return true;
}

/** Marks `dataDir` as the demo's own (after the database is created in it). */
export function markDemoDir(dataDir: string): void {
  writeFileSync(
    path.join(dataDir, demoMarker),
    'Created by `pipectl demo`. The next `pipectl demo --data-dir` on this directory empties it and starts afresh.\n',
  );
}
