/**
 * Slack's Block Kit limits for one message (api.slack.com/reference/block-kit). Over them Slack
 * answers `invalid_blocks` and nothing is posted, so the builder stays inside them by design.
 */
export const slackLimits = {
  /** Blocks in one message. */
  blocks: 50,
  /** A header block's plain text. */
  headerText: 150,
  /** A section block's text, and a context element's text. */
  sectionText: 3000,
  /**
   * All the text in a message's blocks together. Slack does not document this one: it answers
   * `msg_blocks_too_long` somewhere past 12,000 characters (slackapi/bolt-js#2509, #2867: one
   * message was refused at 11,341), so pipectl stays well under that.
   */
  blocksText: 10_000,
  /**
   * The top-level `text`, shown in notifications and where blocks cannot be. Slack truncates
   * it at 40,000 characters; 3000 keeps a notification readable.
   */
  fallbackText: 3000,
} as const;
