import { open, realpath, stat } from 'node:fs/promises';
import { coerceError, errorCode, PipectlError } from '../errors.js';
import type { ChecksFile } from './check-definition.js';
import { parseChecksFile } from './parse-checks-file.js';
import { displayPath, resolveChecksPath, shippedChecksPath } from './resolve-checks-path.js';

/**
 * Reads and validates a checks file (see `parseChecksFile`). A file that cannot be read is a
 * configuration error (exit 2) that names it.
 */
export async function loadChecksFile(file: string, cwd: string): Promise<ChecksFile> {
  const shown = displayPath(file, cwd);
  let source: string;
  try {
    source = await readCapped(file, shown);
  } catch (err) {
    if (err instanceof PipectlError) throw err;
    const reason = errorCode(err) === 'ENOENT' ? 'no such file' : coerceError(err).message;
    throw new PipectlError(
      'checks_file_unreadable',
      `cannot read the checks file ${shown}: ${reason} — check --config`,
      {
        cause: err,
      },
    );
  }
  return parseChecksFile(source, shown, await fileIdentity(file));
}

/**
 * A file's alert namespace when it declares none: `shipped` for pipectl's own checks (whatever
 * the install path, which changes with every upgrade), else the file's real path, the same from
 * any working directory or symlink. A pipe or device (`-c <(…)`, `/dev/stdin`) has none: every
 * such file would share `/dev/fd/63`, so `--slack` asks it for a `namespace:` instead.
 */
async function fileIdentity(file: string): Promise<string | null> {
  if (!(await stat(file).catch(() => undefined))?.isFile()) return null;
  const real = await realpath(file).catch(() => file);
  const shipped = await realpath(shippedChecksPath).catch(() => shippedChecksPath);
  return real === shipped ? 'shipped' : `file:${real}`;
}

/**
 * The largest checks file read: 16 MiB, hundreds of times the shipped file and room for tens of
 * thousands of checks, yet far from the memory a YAML parse of /dev/zero or a log file would take.
 */
export const maxChecksFileBytes = 16 * 1024 * 1024;

/** Reads at most `maxChecksFileBytes` (and one byte more, to tell), whatever the file claims its size is. */
async function readCapped(file: string, shown: string): Promise<string> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(maxChecksFileBytes + 1);
    let filled = 0;
    while (filled < buffer.length) {
      const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, null);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    if (filled > maxChecksFileBytes) {
      throw new PipectlError(
        'checks_file_too_large',
        `the checks file ${shown} is larger than ${maxChecksFileBytes / 1024 / 1024} MiB, the most pipectl reads — is --config the right file?`,
      );
    }
    return buffer.toString('utf8', 0, filled);
  } finally {
    await handle.close();
  }
}

/** Loads the checks file `pipectl check` would use: `--config`, else `./checks.yml`, else the shipped one. */
export function loadConfiguredChecks(config: string | undefined, cwd: string): Promise<ChecksFile> {
  return loadChecksFile(resolveChecksPath(config, cwd), cwd);
}
