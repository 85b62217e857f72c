/**
 * Escapes text for Slack's mrkdwn: `&`, `<` and `>` are control characters there (`<@U…>` is a
 * mention, `<!channel>` pings everyone), so text from a check — a sample row, an error message —
 * must not be able to form one.
 */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
