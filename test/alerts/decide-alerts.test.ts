import { describe, expect, it } from 'vitest';
import type { AlertState } from '../../src/alerts/alert-state.js';
import { decideAlerts } from '../../src/alerts/decide-alerts.js';
import { type AlertSettings, alertDefaults } from '../../src/checks/check-definition.js';
import type { CheckStatus } from '../../src/checks/check-result.js';
import { checkResult } from './check-results.js';

const t0 = new Date('2025-11-17T09:00:00Z');
const at = (minutes: number) => new Date(t0.getTime() + minutes * 60_000);

/** Runs one check through a sequence of statuses, storing the state after each run as a delivered run would. */
function replay(steps: [minutes: number, status: CheckStatus][], settings: AlertSettings = alertDefaults) {
  let state: AlertState | undefined;
  return steps.map(([minutes, status]) => {
    const states = new Map(state ? [[state.checkName, state]] : []);
    const [decision] = decideAlerts([checkResult('c', status)], new Map([['c', settings]]), states, at(minutes));
    if (!decision) throw new Error('no decision');
    state = decision.next;
    return { kind: decision.kind, firingFor: decision.firingForMs === null ? null : decision.firingForMs / 60_000 };
  });
}

describe('decideAlerts', () => {
  it('posts on firing, every repeat_interval while firing, and once on resolving', () => {
    expect(
      replay([
        [0, 'pass'],
        [5, 'fail'],
        [15, 'fail'],
        [5 + 239, 'fail'],
        [5 + 240, 'fail'],
        [5 + 250, 'fail'],
        [5 + 260, 'pass'],
        [5 + 270, 'pass'],
      ]),
    ).toEqual([
      { kind: null, firingFor: null },
      { kind: 'firing', firingFor: 0 },
      { kind: null, firingFor: null },
      { kind: null, firingFor: null },
      { kind: 'repeat', firingFor: 240 },
      { kind: null, firingFor: null },
      { kind: 'resolved', firingFor: 260 },
      { kind: null, firingFor: null },
    ]);
  });

  it('treats error as firing, and posts at once when a firing check gets worse, not when it gets better', () => {
    expect(
      replay([
        [0, 'fail'],
        [5, 'error'],
        [10, 'fail'],
        [15, 'error'],
        [20, 'pass'],
      ]).map((s) => s.kind),
    ).toEqual(['firing', 'firing', null, null, 'resolved']);
  });

  it('ignores warnings unless notify_on_warn, and then escalates warn → fail', () => {
    expect(
      replay([
        [0, 'warn'],
        [5, 'fail'],
        [10, 'warn'],
      ]).map((s) => s.kind),
    ).toEqual([null, 'firing', 'resolved']);
    const onWarn = { ...alertDefaults, notifyOnWarn: true };
    expect(
      replay(
        [
          [0, 'warn'],
          [5, 'fail'],
          [10, 'warn'],
          [15, 'pass'],
        ],
        onWarn,
      ).map((s) => s.kind),
    ).toEqual(['firing', 'firing', null, 'resolved']);
  });

  it('uses the per-check repeat_interval', () => {
    const hourly = { ...alertDefaults, repeatIntervalMs: 3_600_000 };
    expect(
      replay(
        [
          [0, 'fail'],
          [59, 'fail'],
          [60, 'fail'],
          [120, 'fail'],
        ],
        hourly,
      ).map((s) => s.kind),
    ).toEqual(['firing', null, 'repeat', 'repeat']);
  });

  it('says nothing about a check that fails and recovers between posts it never made', () => {
    // A first sight of a passing check stores its state, and posts nothing.
    const [first] = decideAlerts([checkResult('c', 'pass')], new Map(), new Map(), t0);
    expect(first?.kind).toBeNull();
    expect(first?.next).toEqual({
      checkName: 'c',
      status: 'pass',
      since: t0,
      lastNotifiedAt: null,
      notifiedStatus: null,
    });
  });

  it('keeps the episode start across repeats, and clears notified_status on resolution', () => {
    const states = new Map<string, AlertState>([
      ['c', { checkName: 'c', status: 'fail', since: at(0), lastNotifiedAt: at(0), notifiedStatus: 'fail' }],
    ]);
    const [repeat] = decideAlerts([checkResult('c', 'fail')], new Map(), states, at(300));
    expect(repeat?.next).toMatchObject({ since: at(0), lastNotifiedAt: at(300), notifiedStatus: 'fail' });
    const [resolved] = decideAlerts([checkResult('c', 'pass')], new Map(), states, at(300));
    expect(resolved?.next).toMatchObject({ since: at(300), lastNotifiedAt: at(300), notifiedStatus: null });
    expect(resolved?.firingForMs).toBe(300 * 60_000);
  });
});
