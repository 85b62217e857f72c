/**
 * The mrkdwn that makes Slack notify an owner: `<@U…>` for a user (IDs start with U or W),
 * `<!subteam^S…>` for a user group. checks.yml validates the ID (`slack_mention`).
 */
export function slackMention(id: string): string {
  return id.startsWith('S') ? `<!subteam^${id}>` : `<@${id}>`;
}
