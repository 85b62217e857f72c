import type { CheckResult, CheckRun } from '../checks/check-result.js';
import { formatOutcome, formatSampleRow, hiddenRows } from './format-values.js';

/** XML 1.0 forbids most control characters even when escaped; drop them. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are exactly the characters to remove.
const invalidXml = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g;

function xml(text: string): string {
  return text
    .replace(invalidXml, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

const seconds = (ms: number) => (ms / 1000).toFixed(3);

/** The body of a failure or error: what was found (or what went wrong), the first rows and the runbook. */
function failureBody(result: CheckResult): string {
  const found =
    result.error === null
      ? `found: ${formatOutcome(result)} (threshold: ${result.threshold})`
      : `error: ${result.error}`;
  const lines = [result.description, '', found];
  if (result.sampleRows.length > 0) {
    lines.push('', ...result.sampleRows.map((row) => formatSampleRow(row)));
    const more = hiddenRows(result, result.sampleRows.length);
    if (more > 0) lines.push(`…and ${more} more`);
  }
  if (result.owner) lines.push('', `owner: ${result.owner}`);
  if (result.runbook) lines.push('', 'runbook:', result.runbook);
  return lines.join('\n');
}

/**
 * A JUnit XML report with one testcase per check, as CI test-report readers (GitLab, Jenkins,
 * GitHub actions) expect: a failing check carries a `<failure>`, a check that could not run an
 * `<error>`. A warning is a failure only with `--fail-on warn`; otherwise the testcase passes
 * and says so in `<system-out>`, so that the report agrees with the exit code.
 */
export function renderJunit(run: CheckRun): string {
  const failing = (r: CheckResult) => r.status === 'fail' || (r.status === 'warn' && run.failOn === 'warn');
  const failures = run.checks.filter(failing).length;
  const errors = run.counts.error;
  const time = seconds(run.checks.reduce((sum, r) => sum + r.durationMs, 0));
  const suite = `tests="${run.checks.length}" failures="${failures}" errors="${errors}"`;
  const out = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="pipectl check" ${suite} time="${time}">`,
    `  <testsuite name="${xml(run.config)}" ${suite} skipped="0" time="${time}" timestamp="${xml(run.startedAt)}">`,
  ];
  for (const r of run.checks) {
    const open = `    <testcase classname="pipectl.check" name="${xml(r.name)}" time="${seconds(r.durationMs)}"`;
    if (r.status === 'error') {
      out.push(
        `${open}>`,
        `      <error type="error" message="${xml(r.error ?? 'error')}">${xml(failureBody(r))}</error>`,
      );
    } else if (failing(r)) {
      const message = `${r.status}: ${formatOutcome(r)} (threshold: ${r.threshold})`;
      out.push(
        `${open}>`,
        `      <failure type="${r.status}" message="${xml(message)}">${xml(failureBody(r))}</failure>`,
      );
    } else if (r.status === 'warn') {
      out.push(`${open}>`, `      <system-out>${xml(`warn: ${formatOutcome(r)}\n\n${failureBody(r)}`)}</system-out>`);
    } else {
      out.push(`${open}/>`);
      continue;
    }
    out.push('    </testcase>');
  }
  out.push('  </testsuite>', '</testsuites>');
  return `${out.join('\n')}\n`;
}
