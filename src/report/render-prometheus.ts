import { Gauge, Registry } from 'prom-client';
import type { CheckRun, CheckStatus } from '../checks/check-result.js';

/** Status as a number, so that alert rules can compare: `pipectl_check_status >= 2`. */
export const statusValues: Record<CheckStatus, number> = { pass: 0, warn: 1, fail: 2, error: 3 };

/**
 * The Prometheus text exposition of a run, for node_exporter's textfile collector (write it
 * with `--output` to `<dir>/pipectl.prom`; the file is replaced atomically). Every series has
 * a `check` label. A metric check has `pipectl_check_value`; a row check has
 * `pipectl_check_violations`; a check that errored has neither, since it measured nothing. A
 * relative metric check also has `pipectl_check_baseline`, and a failing check that another
 * failing check explains has `pipectl_check_explained{explained_by="…"} 1`: its status is
 * unchanged, so alert rules can leave it out (`unless on(check) pipectl_check_explained`).
 */
export async function renderPrometheus(run: CheckRun): Promise<string> {
  const registry = new Registry();
  const gauge = (name: string, help: string) => new Gauge({ name, help, labelNames: ['check'], registers: [registry] });
  const status = gauge('pipectl_check_status', 'Check status: 0 pass, 1 warn, 2 fail, 3 error.');
  const value = gauge('pipectl_check_value', "A metric check's value.");
  const violations = gauge('pipectl_check_violations', 'Rows a row check found (each one a violation).');
  const duration = gauge('pipectl_check_duration_seconds', 'How long the check took.');
  // Declared only when a check has one, so that a run without them exposes exactly what it did.
  const baseline = run.checks.some((r) => r.baseline !== null)
    ? gauge('pipectl_check_baseline', 'The baseline a relative metric check compared its value with.')
    : undefined;
  const explained = run.checks.some((r) => r.explainedBy !== null)
    ? new Gauge({
        name: 'pipectl_check_explained',
        help: '1 for a failing check that another failing check explains (inhibits:), named by explained_by.',
        labelNames: ['check', 'explained_by'],
        registers: [registry],
      })
    : undefined;
  for (const r of run.checks) {
    const labels = { check: r.name };
    status.set(labels, statusValues[r.status]);
    if (r.value !== null) value.set(labels, r.value);
    if (r.violations !== null) violations.set(labels, r.violations);
    if (r.baseline !== null) baseline?.set(labels, r.baseline);
    if (r.explainedBy !== null) explained?.set({ ...labels, explained_by: r.explainedBy }, 1);
    duration.set(labels, r.durationMs / 1000);
  }
  return registry.metrics();
}
