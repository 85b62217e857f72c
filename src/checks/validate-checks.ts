import { ChecksConfigError, type ConfigProblem } from './checks-config-error.js';
import { loadChecksFile } from './load-checks-file.js';
import { displayPath, resolveChecksPath } from './resolve-checks-path.js';

/** The verdict of `pipectl checks validate`. */
export interface ChecksValidation {
  config: string;
  valid: boolean;
  /** How many checks the file defines (0 when it is invalid). */
  checks: number;
  problems: ConfigProblem[];
}

/**
 * Validates a checks file (resolved as `pipectl check` resolves it) and returns every problem
 * instead of throwing on the first. An unreadable file still throws (exit 2).
 */
export async function validateChecks(config: string | undefined, cwd: string): Promise<ChecksValidation> {
  const file = resolveChecksPath(config, cwd);
  try {
    const loaded = await loadChecksFile(file, cwd);
    return { config: loaded.path, valid: true, checks: loaded.checks.length, problems: [] };
  } catch (err) {
    if (!(err instanceof ChecksConfigError)) throw err;
    return { config: displayPath(file, cwd), valid: false, checks: 0, problems: err.problems };
  }
}
