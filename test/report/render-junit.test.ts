import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import type { CheckResult, CheckRun } from '../../src/checks/check-result.js';
import { renderJunit } from '../../src/report/render-junit.js';

const result = (over: Partial<CheckResult>): CheckResult => ({
  name: 'a-check',
  status: 'pass',
  kind: 'row',
  severity: 'fail',
  value: null,
  baseline: null,
  violations: 0,
  threshold: 'any row',
  durationMs: 5,
  error: null,
  note: null,
  explainedBy: null,
  sampleRows: [],
  params: {},
  description: 'A check.',
  runbook: null,
  owner: null,
  ...over,
});

const run = (checks: CheckResult[]): CheckRun => ({
  runId: '00000000-0000-4000-8000-000000000000',
  startedAt: '2025-11-17T09:30:00.000Z',
  config: 'checks.yml',
  backend: 'pglite',
  status: 'pass',
  failOn: 'fail',
  exitCode: 0,
  counts: {
    pass: checks.filter((c) => c.status === 'pass').length,
    warn: 0,
    fail: checks.filter((c) => c.status === 'fail').length,
    error: checks.filter((c) => c.status === 'error').length,
  },
  recorded: true,
  recordError: null,
  checks,
});

/** The report read back by an XML parser, as a CI server reads it. */
function readBack(xml: string) {
  expect(XMLValidator.validate(xml)).toBe(true);
  return new XMLParser({ ignoreAttributes: false, parseAttributeValue: false, parseTagValue: false }).parse(xml);
}

describe('renderJunit', () => {
  it('keeps what checks put in attributes and text: quotes, <, &, ]]> and a value of "true"; drops control characters', async () => {
    const xml = await renderJunit(
      run([
        result({ name: 'true' }),
        result({
          name: 'odd-text',
          status: 'fail',
          violations: 1,
          sampleRows: [{ text: 'a ]]> b <c> & "d"\u0001\u0008' }],
          description: 'Rows with "quotes", <tags> & a CDATA end ]]>.',
        }),
        result({ name: 'broken', status: 'error', violations: null, error: 'column "x<y" does not exist\u000b' }),
      ]),
    );
    for (const control of ['\u0001', '\u0008', '\u000b']) expect(xml).not.toContain(control);
    expect(xml).toContain(']]&gt;');
    const doc = readBack(xml);
    const cases = doc.testsuites.testsuite.testcase;
    expect(cases[0]['@_name']).toBe('true');
    expect(cases[1].failure['#text']).toContain('text=a ]]> b <c> & "d"');
    expect(cases[1].failure['#text']).toContain('Rows with "quotes", <tags> & a CDATA end ]]>.');
    expect(cases[2].error['@_message']).toBe('column "x<y" does not exist');
  });

  it('writes a valid report for an empty suite', async () => {
    const doc = readBack(await renderJunit(run([])));
    expect(doc.testsuites['@_tests']).toBe('0');
    expect(doc.testsuites.testsuite['@_name']).toBe('checks.yml');
  });
});
