import { describe, expect, it } from 'vitest';
import { cutText, escapeMrkdwn, slackMention } from '../../src/alerts/mrkdwn.js';

describe('mrkdwn', () => {
  it('escapes the characters that would form a mention or a link', () => {
    expect(escapeMrkdwn('<!channel> & <@U123|x>')).toBe('&lt;!channel&gt; &amp; &lt;@U123|x&gt;');
  });

  it('mentions a user by <@…> and a user group by <!subteam^…>', () => {
    expect([slackMention('U123'), slackMention('W456'), slackMention('S789')]).toEqual([
      '<@U123>',
      '<@W456>',
      '<!subteam^S789>',
    ]);
  });

  it('leaves text that fits, and cuts the rest with an ellipsis', () => {
    expect(cutText('short', 5)).toBe('short');
    const cut = cutText('x'.repeat(100), 20);
    expect(cut.length).toBeLessThanOrEqual(20);
    expect(cut.endsWith('…')).toBe(true);
  });

  it('never leaves half an entity or an open code fence behind', () => {
    expect(cutText(`${'a'.repeat(12)}&amp;${'b'.repeat(20)}`, 20)).toBe(`${'a'.repeat(12)}…`);
    const fenced = cutText(`\`\`\`\n${'row '.repeat(20)}\n\`\`\``, 30);
    expect(fenced.length).toBeLessThanOrEqual(30);
    expect(fenced.match(/```/g)).toHaveLength(2);
  });
});
