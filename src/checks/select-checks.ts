import { PipectlError } from '../errors.js';
import type { CheckDefinition, ChecksFile } from './check-definition.js';

/**
 * The checks to run: all of them, or those named by `only`, minus those named by `exclude`.
 * A name the file does not have is a usage error (exit 2), so that a typo in a cron line
 * cannot silently run nothing.
 */
export function selectChecks(
  file: ChecksFile,
  only: readonly string[] = [],
  exclude: readonly string[] = [],
): CheckDefinition[] {
  const known = new Set(file.checks.map((c) => c.name));
  const unknown = [...only, ...exclude].filter((name) => !known.has(name));
  if (unknown.length > 0) {
    throw new PipectlError(
      'unknown_check',
      `${file.path} has no check named ${unknown.map((n) => `"${n}"`).join(', ')} — see \`pipectl checks list\``,
    );
  }
  const wanted = only.length > 0 ? new Set(only) : known;
  const dropped = new Set(exclude);
  return file.checks.filter((c) => wanted.has(c.name) && !dropped.has(c.name));
}
