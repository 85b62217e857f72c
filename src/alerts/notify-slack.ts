import os from 'node:os';
import type { Kysely } from 'kysely';
import { type AlertSettings, alertDefaults, type CheckDefinition } from '../checks/check-definition.js';
import type { CheckRun } from '../checks/check-result.js';
import type { Database } from '../db/schema.js';
import { coerceError } from '../errors.js';
import { buildSlackMessage } from './build-slack-message.js';
import { type AlertDecision, decideAlerts, decideRemoved } from './decide-alerts.js';
import { type DeliveryPolicy, deliverSlackMessage, deliveryPolicy } from './deliver-slack-message.js';
import { lockAlertState } from './lock-alert-state.js';
import { readAlertStates } from './read-alert-states.js';
import { SlackDeliveryError } from './slack-delivery-error.js';
import type { SlackMessage } from './slack-message.js';
import { writeAlertStates } from './write-alert-states.js';

/** What `pipectl check --slack` was asked to do. */
export interface SlackAlertOptions {
  /** `SLACK_WEBHOOK_URL` / `--slack-webhook`; required unless `dryRun`. A secret, never printed. */
  webhookUrl: string | undefined;
  /** `--slack-dry-run`: build the message and return it instead of posting; the state stays as it is. */
  dryRun: boolean;
  /** `--env-name` / `PIPECTL_ENV`, for the header. */
  envName: string | undefined;
  /** The host named in the context line (default: this one). */
  host?: string;
  /** Retries and time limits (default `deliveryPolicy()`: 3 tries, 10 s each, 30 s in all). */
  delivery?: DeliveryPolicy;
}

/** Whose alert state a run keeps: its checks file's. */
export interface AlertScope {
  /** The file's namespace (`ChecksFile.namespace`): its rows in `alert_state`. */
  namespace: string;
  /** Every check the file has, run or not: a row for any other check is a removed check's. */
  known: readonly string[];
  /** The file as messages name it. */
  file: string;
}

/** What the Slack step did, as `--json` reports it under `slack`. */
export interface SlackOutcome {
  dryRun: boolean;
  /** Whether a message was delivered: false in a dry run, with nothing to say, or on failure. */
  posted: boolean;
  /** The checks the message is about, by what it says of them. */
  firing: string[];
  repeated: string[];
  resolved: string[];
  /** Checks resolved because the checks file no longer has them (removed or renamed). */
  removed: string[];
  /**
   * Failing checks that a firing check explains (`inhibits:`): not posted on their own, folded
   * into their cause's section when it posts.
   */
  explained: string[];
  /** Requests made to the webhook. */
  attempts: number;
  /** A dry run's payload, exactly as it would be posted; null otherwise or with nothing to say. */
  payload: SlackMessage | null;
  /** Why the step failed (the run then exits 2, and the alert state is as it was); null if it did not. */
  error: { code: string; message: string } | null;
}

/** How much longer than a delivery a second run waits for the lock before giving up. */
const lockSlackMs = 30_000;

/**
 * The Slack step of a run: under the alert lock, reads the checks file's `alert_state`, decides
 * per check whether there is something to say (`decideAlerts`), resolves checks that were firing
 * and are no longer in the file (`decideRemoved`), posts one message for all of it
 * (`buildSlackMessage`, `deliverSlackMessage`), then stores the new state, all in one
 * transaction. A failed delivery rolls the transaction back, so the state is not advanced and
 * the next run sends again; a second concurrent run waits for the lock and then finds nothing
 * new to say. A dry run reads the state without locking and writes nothing.
 *
 * Never throws: any failure is the outcome's `error` (with the results already in hand).
 */
export async function notifySlack(
  db: Kysely<Database>,
  run: CheckRun,
  checks: readonly CheckDefinition[],
  scope: AlertScope,
  options: SlackAlertOptions,
): Promise<SlackOutcome> {
  const settings = new Map<string, AlertSettings>(checks.map((c) => [c.name, c.alert ?? alertDefaults]));
  const names = run.checks.map((r) => r.name);
  const policy = options.delivery ?? deliveryPolicy();
  let decisions: AlertDecision[] = [];
  let removed: string[] = [];
  let adopted: string[] = [];
  let message: SlackMessage | undefined;
  let attempts = 0;

  const decide = async (trx: Kysely<Database>) => {
    const stored = await readAlertStates(trx, scope.namespace, names, scope.known);
    decisions = [
      ...decideAlerts(run.checks, settings, stored.states, stored.now),
      ...decideRemoved(stored.vanished, scope.file, stored.now),
    ];
    removed = stored.vanished.map((s) => s.checkName);
    adopted = stored.adopted;
    message = buildSlackMessage(decisions, {
      envName: options.envName,
      host: options.host ?? os.hostname(),
      runAt: run.startedAt,
      runId: run.runId,
      counts: run.counts,
    });
  };

  let delivered = false;
  try {
    if (options.dryRun) {
      await decide(db);
    } else {
      const webhookUrl = options.webhookUrl;
      if (webhookUrl === undefined) throw missingWebhook();
      await db.transaction().execute(async (trx) => {
        await lockAlertState(trx, policy.totalTimeoutMs + lockSlackMs);
        await decide(trx);
        if (message !== undefined) {
          attempts = (await deliverSlackMessage(webhookUrl, message, policy)).attempts;
          delivered = true;
        }
        await writeAlertStates(trx, {
          namespace: scope.namespace,
          states: decisions.filter((d) => d.removedFrom === undefined).map((d) => d.next),
          removed,
          adopted,
        });
      });
    }
  } catch (err) {
    const error = coerceError(err);
    if (err instanceof SlackDeliveryError) attempts = err.attempts;
    // A webhook has no idempotency key: a post whose state could not be stored will be sent
    // again by the next run. Saying so beats pretending it was not posted.
    const said =
      err instanceof SlackDeliveryError
        ? error.message
        : delivered
          ? `posted to Slack, but could not store the alert state: ${error.message} — the next run may post it again`
          : `the Slack step failed: ${error.message} — the alert state is unchanged`;
    return {
      ...summarise(decisions, options.dryRun, delivered, attempts, null),
      error: { code: error.code, message: said },
    };
  }
  return summarise(decisions, options.dryRun, delivered, attempts, message ?? null);
}

/** The error for `--slack` without a webhook. */
export function missingWebhook(): SlackDeliveryError {
  return new SlackDeliveryError(
    'slack_not_configured',
    '--slack needs a webhook: set SLACK_WEBHOOK_URL (or --slack-webhook), or use --slack-dry-run to see the message',
  );
}

function summarise(
  decisions: readonly AlertDecision[],
  dryRun: boolean,
  posted: boolean,
  attempts: number,
  message: SlackMessage | null,
): SlackOutcome {
  const named = (kind: AlertDecision['kind']) =>
    decisions.filter((d) => d.kind === kind && d.removedFrom === undefined).map((d) => d.result.name);
  return {
    dryRun,
    posted,
    firing: named('firing'),
    repeated: named('repeat'),
    resolved: named('resolved'),
    removed: decisions.filter((d) => d.removedFrom !== undefined).map((d) => d.result.name),
    explained: decisions.flatMap((d) => d.explains),
    attempts,
    payload: dryRun ? message : null,
    error: null,
  };
}
