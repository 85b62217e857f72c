import type { AlertSettings } from '../checks/check-definition.js';
import type { CheckStatus } from '../checks/check-result.js';

/**
 * One check's row in `alert_state`: what the last `pipectl check --slack` saw, and what Slack
 * was last told. It is how cron runs, with no daemon between them, know whether they have
 * something new to say.
 */
export interface AlertState {
  checkName: string;
  /** The status the last run saw. */
  status: CheckStatus;
  /** When the current episode began: the check's last move between firing and not firing. */
  since: Date;
  /** When a message last spoke about the check (firing, repeat or resolved); null if never. */
  lastNotifiedAt: Date | null;
  /**
   * The status Slack was told the check is firing with; null when Slack believes it is fine (it
   * was never posted, or its resolution was). Not null means the alert is open in the channel.
   */
  notifiedStatus: CheckStatus | null;
}

/** error outranks fail, which outranks warn: a rise in this order is worth a post. */
export const statusRank: Record<CheckStatus, number> = { pass: 0, warn: 1, fail: 2, error: 3 };

/**
 * Whether a status is something to alert on: fail and error always, warn only when the check
 * has `notify_on_warn`. A warning that does not notify counts as healthy, so a check going from
 * fail to such a warning resolves.
 */
export function isFiring(status: CheckStatus, settings: AlertSettings): boolean {
  return status === 'fail' || status === 'error' || (status === 'warn' && settings.notifyOnWarn);
}
