import { PipectlError } from '../errors.js';
import type { CheckDefinition, ChecksFile } from './check-definition.js';

/**
 * The checks to run: all of them, or those named by `only`, minus those named by `exclude`.
 * A name the file does not have, or a selection that leaves nothing (`--only a --exclude a`),
 * is a usage error (exit 2), so that a cron line cannot silently run nothing and pass.
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
  const selected = file.checks.filter((c) => wanted.has(c.name) && !dropped.has(c.name));
  if (selected.length === 0) {
    throw new PipectlError(
      'no_checks_selected',
      `no checks selected: --exclude removes every check that ${only.length > 0 ? '--only names' : `${file.path} has`} — drop the --exclude or widen --only`,
    );
  }
  return selected;
}
