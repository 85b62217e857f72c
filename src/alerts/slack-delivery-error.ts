import { PipectlError } from '../errors.js';

/**
 * Why Slack refused a message, by the error string it answers with (api.slack.com changelog
 * 2016-05-17 and the incoming-webhook docs), as what to do about it. These are configuration
 * problems: retrying cannot fix them, so delivery stops at the first answer.
 */
const slackRefusals: Record<string, string> = {
  invalid_payload: 'Slack could not read the message — a pipectl bug: report it with the --slack-dry-run output',
  invalid_blocks: 'Slack rejected the message blocks — a pipectl bug: report it with the --slack-dry-run output',
  invalid_blocks_format: 'Slack rejected the message blocks — a pipectl bug: report it with the --slack-dry-run output',
  missing_text_or_fallback_or_attachments:
    'Slack found no text in the message — a pipectl bug: report it with the --slack-dry-run output',
  no_text: 'Slack found no text in the message — a pipectl bug: report it with the --slack-dry-run output',
  user_not_found: 'the webhook names a user that does not exist — create a new webhook and set SLACK_WEBHOOK_URL',
  channel_not_found:
    "the webhook's channel no longer exists — create a webhook for an existing channel and set SLACK_WEBHOOK_URL or --slack-webhook",
  channel_is_archived:
    "the webhook's channel is archived — unarchive it, or create a webhook for another channel and set SLACK_WEBHOOK_URL",
  action_prohibited:
    'the workspace does not let this webhook post there — ask a Slack admin about the channel or app restrictions',
  posting_to_general_channel_denied:
    'only admins may post in that channel — create a webhook for another channel and set SLACK_WEBHOOK_URL',
  no_service:
    'the webhook was removed or disabled — create a new one (Incoming Webhooks in the Slack app) and set SLACK_WEBHOOK_URL',
  no_service_id: 'the webhook URL is incomplete — copy the whole URL again into SLACK_WEBHOOK_URL',
  no_team: "the webhook's Slack workspace no longer exists — create a webhook in a live workspace",
  team_disabled: "the webhook's Slack workspace is disabled — create a webhook in a live workspace",
  invalid_token: "the webhook URL's token is invalid or revoked — create a new webhook and set SLACK_WEBHOOK_URL",
  no_active_hooks:
    'incoming webhooks are turned off for this Slack app — turn them on in its Incoming Webhooks settings, or use another webhook',
};

/** Slack's error strings are lower_snake_case words; any other body is shown quoted and short. */
const slackErrorString = /^[a-z][a-z0-9_]{1,60}$/;

/**
 * A failed delivery (exit 2). `code` says which kind: `slack_rejected` (a 4xx: configuration,
 * not retried), `slack_rate_limited`, `slack_unavailable` (5xx, network or timeout, after the
 * retries), `slack_not_configured`. The message is one line and never contains the webhook URL.
 */
export class SlackDeliveryError extends PipectlError {
  /** The HTTP status of the last answer, if there was one. */
  readonly status: number | undefined;
  /** How many requests were made. */
  readonly attempts: number;

  constructor(code: string, message: string, details: { status?: number; attempts?: number } = {}) {
    super(code, message);
    this.name = 'SlackDeliveryError';
    this.status = details.status;
    this.attempts = details.attempts ?? 0;
  }
}

/** The body Slack answered with, as a short single line: its error string, or a quoted snippet. */
export function describeSlackBody(body: unknown): string {
  const text = (typeof body === 'string' ? body : body === undefined ? '' : JSON.stringify(body)).trim();
  if (slackErrorString.test(text)) return text;
  const line = text.replace(/\s+/g, ' ');
  return line === '' ? 'no body' : JSON.stringify(line.length > 80 ? `${line.slice(0, 79)}…` : line);
}

/** The configuration error for a 3xx or 4xx answer (other than 429): what Slack said and what to do. */
export function slackRefusal(status: number, body: unknown, attempts: number): SlackDeliveryError {
  const said = describeSlackBody(body);
  const advice =
    slackRefusals[said] ??
    (status >= 300 && status < 400
      ? 'the webhook URL redirects elsewhere — copy the hooks.slack.com URL into SLACK_WEBHOOK_URL'
      : 'check SLACK_WEBHOOK_URL or --slack-webhook');
  return new SlackDeliveryError('slack_rejected', `Slack rejected the message: ${said} (HTTP ${status}) — ${advice}`, {
    status,
    attempts,
  });
}
