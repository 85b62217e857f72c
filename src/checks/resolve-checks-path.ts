import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The checks.yml shipped in the package root. This module lives in `src/checks/` (tests) or
 * `dist/checks/` (the built CLI); both are two levels below the root.
 */
export const shippedChecksPath = fileURLToPath(new URL('../../checks.yml', import.meta.url));

/**
 * Which checks file to use: `--config` when given (relative to `cwd`), else `./checks.yml` in
 * the working directory when it exists (a project's own checks), else the shipped defaults.
 */
export function resolveChecksPath(config: string | undefined, cwd: string): string {
  if (config !== undefined) return path.resolve(cwd, config);
  const local = path.join(cwd, 'checks.yml');
  return existsSync(local) ? local : shippedChecksPath;
}

/** A path as it reads best in messages: relative when it is under the working directory. */
export function displayPath(file: string, cwd: string): string {
  const relative = path.relative(cwd, file);
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : file;
}
