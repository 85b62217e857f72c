import type { CheckRun } from '../checks/check-result.js';
import { type CheckSuiteOptions, runCheckSuite } from '../checks/run-check-suite.js';
import { ExitCode } from '../errors.js';
import { missingWebhook, notifySlack, type SlackAlertOptions, type SlackOutcome } from './notify-slack.js';
import { parseWebhookUrl } from './webhook-url.js';

/** `pipectl check`'s options: the check suite's, and Slack's when `--slack` or `--slack-dry-run` is given. */
export interface CheckAndAlertOptions extends Omit<CheckSuiteOptions, 'afterRun'> {
  slack?: SlackAlertOptions;
}

/** A run, and what its Slack step did (only with `--slack` / `--slack-dry-run`). */
export interface AlertedCheckRun extends CheckRun {
  slack?: SlackOutcome;
}

/**
 * Everything `pipectl check` does: runs the check suite (`runCheckSuite`) and, with Slack
 * options, notifies (`notifySlack`) while the database is still open.
 *
 * A missing or malformed webhook is refused before any check runs (exit 2), like a bad checks
 * file. A Slack step that fails once the checks have run keeps the results and makes the run
 * exit 2: a failed alert is never silent.
 */
export async function checkAndAlert(options: CheckAndAlertOptions): Promise<AlertedCheckRun> {
  const { slack, ...suite } = options;
  if (slack === undefined) return runCheckSuite(suite);
  if (!slack.dryRun) {
    if (slack.webhookUrl === undefined) throw missingWebhook();
    parseWebhookUrl(slack.webhookUrl);
  }
  let outcome: SlackOutcome | undefined;
  const run = await runCheckSuite({
    ...suite,
    afterRun: async (judged, { db, checks, file }) => {
      if (file.namespace === undefined) {
        outcome = noNamespace(file.path, slack.dryRun);
        return;
      }
      const scope = { namespace: file.namespace, known: file.checks.map((c) => c.name), file: file.path };
      outcome = await notifySlack(db, judged, checks, scope, slack);
    },
  });
  if (outcome === undefined) return run;
  return { ...run, exitCode: outcome.error === null ? run.exitCode : ExitCode.error, slack: outcome };
}

/**
 * The Slack step of a checks file read from a pipe or device without a `namespace:`: it has no
 * identity to keep alert state under (every `-c <(…)` is /dev/fd/63), so it says so and exits 2,
 * the results already in hand, rather than share state with every other piped file.
 */
function noNamespace(file: string, dryRun: boolean): SlackOutcome {
  return {
    dryRun,
    posted: false,
    firing: [],
    repeated: [],
    resolved: [],
    removed: [],
    explained: [],
    attempts: 0,
    payload: null,
    error: {
      code: 'alert_namespace_missing',
      message: `the checks file ${file} is not a regular file (a pipe or device), so its alert state has no name to be kept under — add \`namespace: <name>\` to it, or pass a file`,
    },
  };
}
