// Slack's mrkdwn: the text of a message's sections and context elements.

/**
 * Escapes text for Slack's mrkdwn: `&`, `<` and `>` are control characters there (`<@U…>` is a
 * mention, `<!channel>` pings everyone), so text from a check — a sample row, an error message —
 * must not be able to form one.
 */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * The mrkdwn that makes Slack notify an owner: `<@U…>` for a user (IDs start with U or W),
 * `<!subteam^S…>` for a user group. checks.yml validates the ID (`slack_mention`).
 */
export function slackMention(id: string): string {
  return id.startsWith('S') ? `<!subteam^${id}>` : `<@${id}>`;
}

/**
 * Cuts text to at most `max` characters, ending with "…" when it had to. It never leaves half of
 * a Slack entity (`&amp;`) or an unclosed ``` code fence behind.
 */
export function cutText(text: string, max: number): string {
  if (text.length <= max) return text;
  const fence = '\n```';
  let cut = text.slice(0, Math.max(0, max - 1 - fence.length)).replace(/&[a-z]*$/, '');
  const open = (cut.match(/```/g) ?? []).length % 2 === 1;
  cut = `${cut}…`;
  return open ? `${cut}${fence}` : cut;
}
