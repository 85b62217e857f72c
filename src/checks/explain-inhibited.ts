import type { CheckDefinition } from './check-definition.js';
import type { CheckStatus } from './check-result.js';

/**
 * The statuses of a check that is failing in the sense of `inhibits:`: it found something. A
 * check that could not run (`error`) found nothing, so it explains nothing and is never
 * explained away: its error stays on its own.
 */
const found = (status: CheckStatus) => status === 'fail' || status === 'warn';

/**
 * Marks each failing result that a failing check `inhibits:` with `explainedBy`: the root of
 * the chain (a check explained by one that is itself explained names the first, unexplained
 * one), and among several inhibitors the first in the file. Statuses and the exit code are left
 * as they are: inhibition decides how a failure is presented and paged, not whether it counts.
 *
 * Only checks of this run explain: one left out by `--only` cannot. The relation has no cycles
 * (`parseChecksFile` refuses them), so every chain ends.
 */
export function explainInhibited<R extends { name: string; status: CheckStatus }>(
  results: readonly R[],
  checks: readonly CheckDefinition[],
): (R & { explainedBy: string | null })[] {
  const byName = new Map(results.map((r) => [r.name, r]));
  /** For each check, the failing checks of this run that inhibit it, in file order. */
  const inhibitors = new Map<string, string[]>();
  for (const check of checks) {
    if (!found(byName.get(check.name)?.status ?? 'pass')) continue;
    for (const target of check.inhibits ?? []) {
      inhibitors.set(target, [...(inhibitors.get(target) ?? []), check.name]);
    }
  }
  const root = (name: string): string | null => {
    let cause: string | null = null;
    let current = name;
    for (;;) {
      const next = inhibitors.get(current)?.[0];
      if (next === undefined) return cause;
      cause = next;
      current = next;
    }
  };
  return results.map((r) => ({ ...r, explainedBy: found(r.status) ? root(r.name) : null }));
}
