import { describe, expect, it } from 'vitest';
import { problemsOf } from './problems-of.js';

const check = (timeout: string) => `checks:
  - name: slow
    description: A slow check.
    severity: fail
    timeout: ${timeout}
    sql: select 1 as id where false
`;

describe('a check timeout', () => {
  it.each(['25d', '99999999999999d'])('above PostgreSQL statement_timeout maximum (%s) is refused, naming it', (t) => {
    expect(problemsOf(check(t))).toEqual([
      `checks.yml:5:14: check "slow" timeout: ${
        t === '25d'
          ? "must be at most 24d20h31m23s647ms, PostgreSQL's statement_timeout maximum"
          : `"${t}" is too long: a duration is at most 100 years`
      }`,
    ]);
  });

  it('from defaults: above the maximum is refused too', () => {
    const source = `defaults:\n  timeout: 30d\n${check('1s').replace('    timeout: 1s\n', '')}`;
    expect(problemsOf(source).join('\n')).toContain(
      "must be at most 24d20h31m23s647ms, PostgreSQL's statement_timeout maximum",
    );
  });

  it('of 24 days, under the maximum, is accepted', () => {
    expect(problemsOf(check('24d'))).toEqual([]);
  });
});
