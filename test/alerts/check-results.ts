import type { CheckResult, CheckStatus } from '../../src/checks/check-result.js';

/** A check result as `runCheck` returns it, for tests that start after the checks ran. */
export function checkResult(name: string, status: CheckStatus, fields: Partial<CheckResult> = {}): CheckResult {
  const failing = status === 'fail' || status === 'warn';
  return {
    name,
    status,
    kind: 'row',
    severity: 'fail',
    value: null,
    baseline: null,
    violations: status === 'error' ? null : failing ? 2 : 0,
    threshold: 'any row',
    durationMs: 3.5,
    error: status === 'error' ? 'relation "jobz" does not exist' : null,
    note: null,
    explainedBy: null,
    sampleRows: failing
      ? [
          { job_id: 'a1', run_at: '2025-11-17T09:05:00.123456+00:00' },
          { job_id: 'b2', run_at: '2025-11-17T09:06:00+00:00' },
        ]
      : [],
    params: {},
    description: `What ${name} catches.`,
    runbook: null,
    owner: null,
    ...fields,
  };
}
