import type { CheckResult, CheckRun } from '../checks/check-result.js';
import { explainedText, formatOutcome, formatSampleRow, hiddenRows } from './format-values.js';

/** XML 1.0 forbids most control characters even when escaped; drop them. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are exactly the characters to remove.
const invalidXml = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g;

const dropInvalidXml = (_name: string, value: unknown) =>
  typeof value === 'string' ? value.replace(invalidXml, '') : value;

/**
 * The builder's settings for a report: attributes as `@_name` keys, one element per line, an empty
 * element self-closed, every value escaped (`&`, `<`, `>`, quotes; `]]>` so becomes `]]&gt;`)
 * after the control characters are dropped, and an attribute whose value is `true` written in
 * full: the default would write `name="true"` as a bare `name`, which is not XML.
 */
const builderOptions = {
  ignoreAttributes: false,
  format: true,
  suppressEmptyNode: true,
  suppressBooleanAttributes: false,
  tagValueProcessor: dropInvalidXml,
  attributeValueProcessor: dropInvalidXml,
};

const seconds = (ms: number) => (ms / 1000).toFixed(3);

/** The body of a failure or error: what was found (or what went wrong), the first rows and the runbook. */
function failureBody(result: CheckResult): string {
  const found =
    result.error === null
      ? `found: ${formatOutcome(result)} (threshold: ${result.threshold})`
      : `error: ${result.error}`;
  const explained = explainedText(result);
  const lines = [result.description, '', found];
  if (explained) lines.push(explained);
  if (result.sampleRows.length > 0) {
    lines.push('', ...result.sampleRows.map((row) => formatSampleRow(row)));
    const more = hiddenRows(result, result.sampleRows.length);
    if (more > 0) lines.push(`…and ${more} more`);
  }
  if (result.owner) lines.push('', `owner: ${result.owner}`);
  if (result.runbook) lines.push('', 'runbook:', result.runbook);
  return lines.join('\n');
}

/** The testcase of one check: a failure, an error, a warning in `<system-out>`, or nothing inside. */
function testcase(r: CheckResult, failOn: CheckRun['failOn']): Record<string, unknown> {
  const attributes = { '@_classname': 'pipectl.check', '@_name': r.name, '@_time': seconds(r.durationMs) };
  if (r.status === 'error') {
    return { ...attributes, error: { '@_type': 'error', '@_message': r.error ?? 'error', '#text': failureBody(r) } };
  }
  if (r.status === 'fail' || (r.status === 'warn' && failOn === 'warn')) {
    const explained = explainedText(r);
    const message = `${r.status}: ${formatOutcome(r)} (threshold: ${r.threshold})${explained ? `, ${explained}` : ''}`;
    return { ...attributes, failure: { '@_type': r.status, '@_message': message, '#text': failureBody(r) } };
  }
  if (r.status === 'warn') return { ...attributes, 'system-out': `warn: ${formatOutcome(r)}\n\n${failureBody(r)}` };
  if (r.note !== null) return { ...attributes, 'system-out': `pass: ${formatOutcome(r)}, ${r.note}` };
  return attributes;
}

/**
 * A JUnit XML report with one testcase per check, as CI test-report readers (GitLab, Jenkins,
 * GitHub actions) expect: a failing check carries a `<failure>`, a check that could not run an
 * `<error>`. A warning is a failure only with `--fail-on warn`; otherwise the testcase passes
 * and says so in `<system-out>`, so that the report agrees with the exit code.
 *
 * Written by fast-xml-builder (the builder behind fast-xml-parser's `XMLBuilder`), loaded only
 * when a JUnit report is asked for.
 */
export async function renderJunit(run: CheckRun): Promise<string> {
  const { default: XMLBuilder } = await import('fast-xml-builder');
  const failures = run.checks.filter((r) => r.status === 'fail' || (r.status === 'warn' && run.failOn === 'warn'));
  const time = seconds(run.checks.reduce((sum, r) => sum + r.durationMs, 0));
  const counts = { '@_tests': run.checks.length, '@_failures': failures.length, '@_errors': run.counts.error };
  return new XMLBuilder(builderOptions).build({
    '?xml': { '@_version': '1.0', '@_encoding': 'UTF-8' },
    testsuites: {
      '@_name': 'pipectl check',
      ...counts,
      '@_time': time,
      testsuite: {
        '@_name': run.config,
        ...counts,
        '@_skipped': 0,
        '@_time': time,
        '@_timestamp': run.startedAt,
        testcase: run.checks.map((r) => testcase(r, run.failOn)),
      },
    },
  });
}
