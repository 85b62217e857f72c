import { readFile } from 'node:fs/promises';
import { PipectlError } from '../errors.js';
import type { ChecksFile } from './check-definition.js';
import { parseChecksFile } from './parse-checks-file.js';
import { displayPath, resolveChecksPath } from './resolve-checks-path.js';

/**
 * Reads and validates a checks file (see `parseChecksFile`). A file that cannot be read is a
 * configuration error (exit 2) that names it.
 */
export async function loadChecksFile(file: string, cwd: string): Promise<ChecksFile> {
  const shown = displayPath(file, cwd);
  let source: string;
  try {
    source = await readFile(file, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message;
    throw new PipectlError(
      'checks_file_unreadable',
      `cannot read the checks file ${shown}: ${reason} — check --config`,
      {
        cause: err,
      },
    );
  }
  return parseChecksFile(source, shown);
}

/** Loads the checks file `pipectl check` would use: `--config`, else `./checks.yml`, else the shipped one. */
export function loadConfiguredChecks(config: string | undefined, cwd: string): Promise<ChecksFile> {
  return loadChecksFile(resolveChecksPath(config, cwd), cwd);
}
