import { describe, expect, it } from 'vitest';
import { conditionHolds, parseCondition } from '../../src/checks/condition.js';
import { parseChecksFile } from '../../src/checks/parse-checks-file.js';
import { problemsOf } from './problems-of.js';

// Issue 17 in checks.yml: conditions relative to a baseline, min_baseline, and inhibits:.

/** A row check named `name` that inhibits `inhibits` (YAML flow list text), at the end of a file. */
const rowCheck = (name: string, inhibits?: string) =>
  `  - name: ${name}
    description: x
    severity: fail
${inhibits === undefined ? '' : `    inhibits: ${inhibits}\n`}    sql: select 1
`;

describe('relative conditions', () => {
  it.each([
    ['< 20% of baseline', 19, 100, true],
    ['< 20% of baseline', 20, 100, false],
    ['< 20 % of the baseline', 4, 25, true],
    ['>= 150% of baseline', 15, 10, true],
    ['between 50% and 200% of baseline', 100, 50, true],
    ['between 50% and 200% of baseline', 101, 50, false],
  ])('%s holds for %d against %d: %s', (text, value, baseline, holds) => {
    expect(conditionHolds(parseCondition(text), value, baseline)).toBe(holds);
  });

  it('normalises the text, and keeps absolute conditions as they were', () => {
    expect(parseCondition('<20%   OF baseline')).toEqual({
      op: '<',
      limit: 20,
      relative: true,
      text: '< 20% of baseline',
    });
    expect(parseCondition('> 5')).toEqual({ op: '>', limit: 5, relative: false, text: '> 5' });
  });

  it.each([
    ['< 20%', /a percentage is of the baseline/],
    ['< 20% of average', /a percentage is of the baseline/],
    ['< -5% of baseline', /is not a condition/],
    ['between 200% and 50% of baseline', /the low end must come first/],
  ])('refuses %j', (text, message) => {
    expect(() => parseCondition(text)).toThrow(message);
  });

  it('loads min_baseline with a relative condition, 0 by default', () => {
    const file = parseChecksFile(
      `checks:
  - name: a
    description: x
    fail: "< 20% of baseline"
    min_baseline: 50
    sql: select 1 as value, 2 as baseline
  - name: b
    description: x
    warn: "< 50% of baseline"
    sql: select 1 as value, 2 as baseline
`,
      'f.yml',
    );
    expect(file.checks.map((c) => [c.kind, c.severity, c.minBaseline])).toEqual([
      ['metric', 'fail', 50],
      ['metric', 'warn', 0],
    ]);
  });

  it('refuses min_baseline without a relative condition, or below 0, at its line and column', () => {
    expect(
      problemsOf(`checks:
  - name: a
    description: x
    fail: "< 5"
    min_baseline: 50
    sql: select 1 as value
  - name: b
    description: x
    fail: "< 20% of baseline"
    min_baseline: -1
    sql: select 1 as value, 1 as baseline
`),
    ).toEqual([
      'checks.yml:5:5: check "a" min_baseline: applies only to a metric check with a relative condition, such as fail: "< 20% of baseline"',
      'checks.yml:10:19: check "b" min_baseline: must be 0 or more',
    ]);
  });
});

describe('inhibits:', () => {
  it('loads the names a check explains', () => {
    const file = parseChecksFile(`checks:\n${rowCheck('cause', '[a, b]')}${rowCheck('a')}${rowCheck('b')}`, 'f.yml');
    expect(file.checks.map((c) => [c.name, c.inhibits])).toEqual([
      ['cause', ['a', 'b']],
      ['a', []],
      ['b', []],
    ]);
  });

  it('refuses an unknown name, itself and a repeated name, each at its line and column', () => {
    expect(
      problemsOf(`checks:
${rowCheck('cause', '[a, nosuch, cause, a]')}${rowCheck('a', '[Not_A_Name]')}`),
    ).toEqual([
      'checks.yml:5:19: check "cause" inhibits.1: "nosuch" is not a check in this file',
      'checks.yml:5:27: check "cause" inhibits.2: a check cannot inhibit itself',
      'checks.yml:5:34: check "cause" inhibits.3: lists "a" twice',
      'checks.yml:10:16: check "a" inhibits.0: must be a check name, such as pending-job-age',
    ]);
  });

  it('refuses a cycle, naming it, once, at the entry that closes it', () => {
    expect(problemsOf(`checks:\n${rowCheck('a', '[b]')}${rowCheck('b', '[c]')}${rowCheck('c', '[a]')}`)).toEqual([
      'checks.yml:15:16: check "c" inhibits.0: makes a cycle (a → b → c → a): a check cannot be explained by one it explains',
    ]);
    expect(problemsOf(`checks:\n${rowCheck('a', '[b]')}${rowCheck('b', '[a]')}${rowCheck('c', '[a, b]')}`)).toEqual([
      'checks.yml:10:16: check "b" inhibits.0: makes a cycle (a → b → a): a check cannot be explained by one it explains',
    ]);
  });

  it('accepts a diamond (two paths to one check) and a long chain without overflowing the stack', () => {
    expect(
      problemsOf(`checks:\n${rowCheck('a', '[b, c]')}${rowCheck('b', '[d]')}${rowCheck('c', '[d]')}${rowCheck('d')}`),
    ).toEqual([]);
    const n = 20_000;
    const chain = Array.from({ length: n }, (_, i) => rowCheck(`c${i}`, i + 1 < n ? `[c${i + 1}]` : undefined));
    expect(problemsOf(`checks:\n${chain.join('')}`)).toEqual([]);
    chain[n - 1] = rowCheck(`c${n - 1}`, '[c0]');
    expect(problemsOf(`checks:\n${chain.join('')}`)).toHaveLength(1);
  });
});
