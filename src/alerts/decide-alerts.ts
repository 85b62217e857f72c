import { type AlertSettings, alertDefaults } from '../checks/check-definition.js';
import type { CheckResult } from '../checks/check-result.js';
import { type AlertState, isFiring, statusRank } from './alert-state.js';

/**
 * What a run says about a check: it started firing (or got worse), it is still firing and its
 * `repeat_interval` has passed, or it stopped firing.
 */
export type AlertKind = 'firing' | 'repeat' | 'resolved';

/** The decision for one check, and the state to store once the message (if any) is delivered. */
export interface AlertDecision {
  result: CheckResult;
  settings: AlertSettings;
  /** null: nothing to say about this check in this run. */
  kind: AlertKind | null;
  /** The stored state before this run; undefined for a check never seen by `--slack`. */
  previous: AlertState | undefined;
  next: AlertState;
  /** How long the check has been (firing, repeat) or was (resolved) firing; null when there is nothing to say. */
  firingForMs: number | null;
  /** Set when the check is resolved because the checks file (named here) no longer has it. */
  removedFrom?: string;
  /**
   * The failing checks this one explains in this run (`inhibits:`, see `explainInhibited`): a
   * message folds them into this check's section instead of posting them on their own.
   */
  explains: string[];
}

/**
 * Alertmanager's notification rules, without a daemon, for one run's results:
 * - a check that starts firing (fail, error, or warn with `notify_on_warn`) posts once;
 * - while it keeps firing it posts again once `repeat_interval` has passed since the last post,
 *   or at once if its status got worse (warn → fail, fail → error);
 * - when it stops firing after a post, it posts its resolution, once;
 * - anything else says nothing;
 * - and, as Alertmanager's inhibition rules: a check that a firing check explains
 *   (`result.explainedBy`) neither fires nor repeats on its own; it is folded into its cause's
 *   section. Its state is still kept (status, episode start, and what Slack was last told), so
 *   once the cause resolves it is judged on its own again: if it still fails and was never
 *   posted, it fires then. A resolution is never held back.
 *
 * Pure: `now` is the database's clock (the one the checks judged by), `states` the stored rows.
 */
export function decideAlerts(
  results: readonly CheckResult[],
  settings: ReadonlyMap<string, AlertSettings>,
  states: ReadonlyMap<string, AlertState>,
  now: Date,
): AlertDecision[] {
  // A cause silences only while it fires itself: a warning that does not notify must not
  // silence a failure it explains, or nothing would page.
  const firingNames = new Set(
    results.filter((r) => isFiring(r.status, settings.get(r.name) ?? alertDefaults)).map((r) => r.name),
  );
  const explains = new Map<string, string[]>();
  for (const r of results) {
    if (r.explainedBy !== null && firingNames.has(r.explainedBy)) {
      explains.set(r.explainedBy, [...(explains.get(r.explainedBy) ?? []), r.name]);
    }
  }
  return results.map((result) => {
    const own = settings.get(result.name) ?? alertDefaults;
    const previous = states.get(result.name);
    const firing = isFiring(result.status, own);
    const open = previous?.notifiedStatus != null;

    let kind: AlertKind | null = null;
    if (firing && (!open || statusRank[result.status] > statusRank[previous.notifiedStatus ?? 'pass'])) {
      kind = 'firing';
    } else if (firing && open && now.getTime() - (previous.lastNotifiedAt?.getTime() ?? 0) >= own.repeatIntervalMs) {
      kind = 'repeat';
    } else if (!firing && open) {
      kind = 'resolved';
    }
    const silenced = result.explainedBy !== null && firingNames.has(result.explainedBy);
    if (silenced && kind !== 'resolved') kind = null;

    // The episode goes on while the check stays on the same side of firing.
    const sameEpisode = previous !== undefined && isFiring(previous.status, own) === firing;
    const since = sameEpisode ? previous.since : now;
    const episodeStart = kind === 'resolved' ? (previous?.since ?? now) : since;
    return {
      result,
      settings: own,
      kind,
      previous,
      next: {
        checkName: result.name,
        status: result.status,
        since,
        lastNotifiedAt: kind === null ? (previous?.lastNotifiedAt ?? null) : now,
        notifiedStatus: kind === null ? (previous?.notifiedStatus ?? null) : kind === 'resolved' ? null : result.status,
      },
      firingForMs: kind === null ? null : now.getTime() - episodeStart.getTime(),
      explains: explains.get(result.name) ?? [],
    };
  });
}

/**
 * Alertmanager resolves an alert whose rule is gone; so does this: a check that was firing in
 * Slack and is no longer in the checks file (removed or renamed) gets a resolution that says so.
 * Its state is then deleted, with or without a post, so nothing stays firing for ever.
 */
export function decideRemoved(removed: readonly AlertState[], file: string, now: Date): AlertDecision[] {
  return removed
    .filter((state) => state.notifiedStatus !== null)
    .map((state) => ({
      result: {
        name: state.checkName,
        status: 'pass',
        kind: 'row',
        severity: 'fail',
        value: null,
        baseline: null,
        violations: null,
        threshold: '',
        durationMs: 0,
        error: null,
        note: null,
        explainedBy: null,
        sampleRows: [],
        params: {},
        description: `No longer in the checks file ${file}: removed or renamed, so it no longer runs.`,
        runbook: null,
        owner: null,
      },
      settings: alertDefaults,
      kind: 'resolved',
      previous: state,
      next: { ...state, lastNotifiedAt: now, notifiedStatus: null },
      firingForMs: now.getTime() - state.since.getTime(),
      removedFrom: file,
      explains: [],
    }));
}
