/**
 * The Block Kit message `pipectl check --slack` posts, as the JSON Slack receives: the few block
 * types it uses, so that a payload can be built, printed by `--slack-dry-run` and posted unchanged.
 */
export interface SlackMessage {
  /** The fallback for notifications and clients that cannot show blocks. */
  text: string;
  blocks: SlackBlock[];
  /** Runbook links would otherwise unfurl into previews bigger than the alert. */
  unfurl_links: false;
  unfurl_media: false;
}

export type SlackBlock = SlackHeaderBlock | SlackSectionBlock | SlackContextBlock;

export interface SlackHeaderBlock {
  type: 'header';
  text: { type: 'plain_text'; text: string; emoji: true };
}

export interface SlackSectionBlock {
  type: 'section';
  text: { type: 'mrkdwn'; text: string };
}

export interface SlackContextBlock {
  type: 'context';
  elements: { type: 'mrkdwn'; text: string }[];
}
