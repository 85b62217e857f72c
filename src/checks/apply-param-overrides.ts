import { coerceError, PipectlError } from '../errors.js';
import type { CheckDefinition, ChecksFile } from './check-definition.js';
import { coerceParam } from './coerce-param.js';

/** One `--param` as given: `name=value` (every check that declares it) or `check-name.name=value`. */
interface Override {
  check: string | undefined;
  name: string;
  value: string;
  raw: string;
}

function parseOverride(raw: string): Override {
  const match = /^(?:([a-z0-9-]+)\.)?([a-z_][a-z0-9_]*)=(.*)$/s.exec(raw);
  if (!match) {
    throw new PipectlError(
      'invalid_param',
      `--param ${raw}: write name=value or check-name.name=value, such as older_than=30m`,
    );
  }
  const [, check, name, value] = match;
  return { check, name: name as string, value: value as string, raw };
}

/**
 * Returns the file's checks with `--param` values in place of the declared defaults, each
 * converted to its declared type. A name no check declares, or a value of the wrong type, is a
 * usage error (exit 2) rather than a silently ignored flag.
 */
export function applyParamOverrides(file: ChecksFile, raws: readonly string[]): CheckDefinition[] {
  const overrides = raws.map(parseOverride);
  for (const o of overrides) {
    const targets = file.checks.filter((c) => (o.check === undefined || c.name === o.check) && o.name in c.params);
    if (targets.length === 0) throw new PipectlError('invalid_param', `--param ${o.raw}: ${whyNoTarget(file, o)}`);
  }
  return file.checks.map((check) => {
    const mine = overrides.filter((o) => (o.check === undefined || o.check === check.name) && o.name in check.params);
    if (mine.length === 0) return check;
    const params = { ...check.params };
    // Later flags win, and a check-scoped one beats a global one whatever the order.
    const ordered = [...mine.filter((o) => o.check === undefined), ...mine.filter((o) => o.check !== undefined)];
    for (const o of ordered) {
      const declared = params[o.name];
      if (declared === undefined) continue;
      try {
        params[o.name] = { ...declared, value: coerceParam(declared.type, o.value) };
      } catch (err) {
        throw new PipectlError('invalid_param', `--param ${o.raw}: ${coerceError(err).message}`);
      }
    }
    return { ...check, params };
  });
}

/** Why an override has no check to apply to, naming the checks that would take it. */
function whyNoTarget(file: ChecksFile, o: Override): string {
  const declaring = file.checks.filter((c) => o.name in c.params).map((c) => c.name);
  const declaredBy =
    declaring.length === 0
      ? `no check in it declares a parameter "${o.name}"`
      : `${o.name} is declared by ${declaring.join(', ')}`;
  if (o.check === undefined) return `no check in ${file.path} declares a parameter "${o.name}"`;
  if (!file.checks.some((c) => c.name === o.check)) return `no check "${o.check}" in ${file.path}; ${declaredBy}`;
  return `check "${o.check}" in ${file.path} has no parameter "${o.name}"; ${declaredBy}`;
}
