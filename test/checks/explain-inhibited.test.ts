import { describe, expect, it } from 'vitest';
import { decideAlerts } from '../../src/alerts/decide-alerts.js';
import { type AlertSettings, alertDefaults, type CheckDefinition } from '../../src/checks/check-definition.js';
import type { CheckStatus } from '../../src/checks/check-result.js';
import { explainInhibited } from '../../src/checks/explain-inhibited.js';
import { summarizeProbableCauses } from '../../src/checks/probable-causes.js';
import { checkResult } from '../alerts/check-results.js';

// The inhibits: relation at run time, without a database: who explains whom, the one-sentence
// probable cause, and when an explained check stays out of Slack.

const check = (name: string, inhibits: string[] = []): CheckDefinition => ({
  name,
  description: 'x',
  kind: 'row',
  severity: 'fail',
  sql: 'select 1',
  params: {},
  warn: undefined,
  fail: undefined,
  sampleRows: 5,
  timeoutMs: 10_000,
  runbook: undefined,
  owner: undefined,
  inhibits,
});

/** Results with these statuses, explained by the relation of `checks`. */
const explain = (checks: CheckDefinition[], statuses: Record<string, CheckStatus>) =>
  explainInhibited(
    checks.filter((c) => c.name in statuses).map((c) => checkResult(c.name, statuses[c.name] ?? 'pass')),
    checks,
  );

describe('explainInhibited', () => {
  const relation = [check('cause', ['a', 'b', 'c']), check('a', ['d']), check('b'), check('c'), check('d')];

  it('marks the failing and warning checks a failing check inhibits; passes and errors stay on their own', () => {
    const results = explain(relation, { cause: 'fail', a: 'fail', b: 'warn', c: 'error', d: 'pass' });
    expect(results.map((r) => [r.name, r.status, r.explainedBy])).toEqual([
      ['cause', 'fail', null],
      ['a', 'fail', 'cause'],
      ['b', 'warn', 'cause'],
      ['c', 'error', null],
      ['d', 'pass', null],
    ]);
  });

  it('names the root of a chain, and nothing when the cause passes, errors or did not run', () => {
    const chain = explain(relation, { cause: 'fail', a: 'fail', d: 'fail' });
    expect(chain.map((r) => r.explainedBy)).toEqual([null, 'cause', 'cause']);
    // The middle link passes: d is on its own.
    expect(explain(relation, { cause: 'fail', a: 'pass', d: 'fail' }).map((r) => r.explainedBy)).toEqual([
      null,
      null,
      null,
    ]);
    expect(explain(relation, { cause: 'error', a: 'fail' }).map((r) => r.explainedBy)).toEqual([null, null]);
    // --only a,d: the cause did not run, so a explains d.
    expect(explain(relation, { a: 'fail', d: 'fail' }).map((r) => r.explainedBy)).toEqual([null, 'a']);
  });

  it('sums up the probable cause in one sentence from the runbook, with what fails on its own', () => {
    const results = explainInhibited(
      [
        checkResult('no-live-worker', 'fail', { runbook: 'No worker is running: start one.\nMore.' }),
        checkResult('pending-job-age', 'fail'),
        checkResult('submitted-without-sitemaps', 'fail'),
        checkResult('job-failure-rate', 'warn'),
      ],
      [
        check('no-live-worker', ['pending-job-age', 'submitted-without-sitemaps']),
        check('pending-job-age'),
        check('submitted-without-sitemaps'),
        check('job-failure-rate'),
      ],
    );
    expect(summarizeProbableCauses(results)).toBe(
      '3 failing; probable cause: no worker is running (`no-live-worker`); on its own: `job-failure-rate`',
    );
    expect(summarizeProbableCauses(results.slice(1))).toBeUndefined();
  });
});

describe('decideAlerts with explained checks', () => {
  const now = new Date('2025-11-17T12:00:00Z');
  const settings = (notifyOnWarn: boolean): Map<string, AlertSettings> =>
    new Map([
      ['cause', { ...alertDefaults, notifyOnWarn }],
      ['effect', alertDefaults],
    ]);

  it('keeps an explained check out of the message, folded under its firing cause', () => {
    const results = [checkResult('cause', 'fail'), checkResult('effect', 'fail', { explainedBy: 'cause' })];
    const [cause, effect] = decideAlerts(results, settings(false), new Map(), now);
    expect([cause?.kind, cause?.explains]).toEqual(['firing', ['effect']]);
    expect([effect?.kind, effect?.next.status, effect?.next.notifiedStatus]).toEqual([null, 'fail', null]);
  });

  it('does not let a cause that does not page (a warning without notify_on_warn) silence what it explains', () => {
    const results = [checkResult('cause', 'warn'), checkResult('effect', 'fail', { explainedBy: 'cause' })];
    const [cause, effect] = decideAlerts(results, settings(false), new Map(), now);
    expect([cause?.kind, cause?.explains]).toEqual([null, []]);
    expect(effect?.kind).toBe('firing');
    const [warned, folded] = decideAlerts(results, settings(true), new Map(), now);
    expect([warned?.kind, warned?.explains, folded?.kind]).toEqual(['firing', ['effect'], null]);
  });
});
