import { describe, expect, it } from 'vitest';
import { applyParamOverrides } from '../../src/checks/apply-param-overrides.js';
import { parseChecksFile } from '../../src/checks/parse-checks-file.js';
import { selectChecks } from '../../src/checks/select-checks.js';

/** A check of rows older than its `older_than` parameter. */
const ageCheck = (name: string, description: string, olderThan: string) => `  - name: ${name}
    description: ${description}
    severity: fail
    params:
      older_than: { type: interval, default: ${olderThan} }
    sql: select 1 where now() - :older_than > now()
`;

const file = parseChecksFile(
  `checks:
${ageCheck('pending-job-age', 'Old jobs.', '15m')}${ageCheck('queued-domain-age', 'Old domains.', '10m')}  - name: plain
    description: No params.
    severity: warn
    sql: select 1 where false
`,
  'ops/checks.yml',
);

describe('choosing checks (--only, --exclude)', () => {
  it('refuses a selection that leaves no check to run', () => {
    expect(() => selectChecks(file, ['plain'], ['plain'])).toThrow(
      expect.objectContaining({
        code: 'no_checks_selected',
        exitCode: 2,
        message: expect.stringMatching(/^no checks selected: /),
      }),
    );
    expect(() => selectChecks(file, [], ['pending-job-age', 'queued-domain-age', 'plain'])).toThrow(
      /^no checks selected: --exclude removes every check that ops\/checks\.yml has/,
    );
  });

  it('keeps what --only names minus what --exclude names', () => {
    expect(selectChecks(file, ['plain', 'pending-job-age'], ['plain']).map((c) => c.name)).toEqual(['pending-job-age']);
  });
});

describe('--param for a check or parameter that does not exist', () => {
  it('says the check does not exist, and which checks declare the parameter', () => {
    expect(() => applyParamOverrides(file, ['nosuch.older_than=5m'])).toThrow(
      '--param nosuch.older_than=5m: no check "nosuch" in ops/checks.yml; older_than is declared by pending-job-age, queued-domain-age',
    );
  });

  it('says the check has no such parameter, and which checks declare it', () => {
    expect(() => applyParamOverrides(file, ['plain.older_than=5m'])).toThrow(
      '--param plain.older_than=5m: check "plain" in ops/checks.yml has no parameter "older_than"; older_than is declared by pending-job-age, queued-domain-age',
    );
    expect(() => applyParamOverrides(file, ['nosuch.window=5m'])).toThrow(
      '--param nosuch.window=5m: no check "nosuch" in ops/checks.yml; no check in it declares a parameter "window"',
    );
  });

  it('still names the parameter no check declares when no check is named', () => {
    expect(() => applyParamOverrides(file, ['window=5m'])).toThrow(
      '--param window=5m: no check in ops/checks.yml declares a parameter "window"',
    );
  });
});
