import type { SlackOutcome } from './notify-slack.js';

/**
 * The Slack step in one line for people: `slack: posted 1 message (firing: a, b; resolved: c) in
 * 1 try`, `slack: nothing new to post`, or the dry run's verdict. A failure is the error's message.
 */
export function describeSlackOutcome(outcome: SlackOutcome): string {
  if (outcome.error !== null) return outcome.error.message;
  const groups = [
    ['firing', outcome.firing],
    ['still firing', outcome.repeated],
    ['resolved', outcome.resolved],
    ['resolved, no longer in the checks file', outcome.removed],
    ['folded under their cause', outcome.explained],
  ] as const;
  const about = groups
    .filter(([, names]) => names.length > 0)
    .map(([label, names]) => `${label}: ${names.join(', ')}`)
    .join('; ');
  if (outcome.dryRun) {
    return outcome.payload === null
      ? 'slack: dry run, nothing to post'
      : `slack: dry run, would post 1 message (${about}); the payload is on stdout, the alert state is unchanged`;
  }
  if (!outcome.posted) return 'slack: nothing new to post';
  return `slack: posted 1 message (${about}) in ${outcome.attempts} ${outcome.attempts === 1 ? 'try' : 'tries'}`;
}
