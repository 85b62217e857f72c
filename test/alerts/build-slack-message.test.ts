import { describe, expect, it } from 'vitest';
import type { AlertState } from '../../src/alerts/alert-state.js';
import { blockText, buildSlackMessage, type SlackMessageContext } from '../../src/alerts/build-slack-message.js';
import { decideAlerts } from '../../src/alerts/decide-alerts.js';
import { slackLimits } from '../../src/alerts/slack-limits.js';
import type { SlackMessage } from '../../src/alerts/slack-message.js';
import { type AlertSettings, alertDefaults } from '../../src/checks/check-definition.js';
import type { CheckResult } from '../../src/checks/check-result.js';
import { checkResult } from './check-results.js';

const now = new Date('2025-11-17T13:30:00Z');
const context: SlackMessageContext = {
  envName: 'prod',
  host: 'cron-1',
  runAt: '2025-11-17T13:29:58.000Z',
  runId: '6f1c2d3e-0000-4000-8000-000000000000',
  counts: { pass: 5, warn: 0, fail: 2, error: 1 },
};

function message(
  results: CheckResult[],
  states: AlertState[] = [],
  settings: Record<string, AlertSettings> = {},
  ctx: SlackMessageContext = context,
): SlackMessage | undefined {
  const decisions = decideAlerts(
    results,
    new Map(Object.entries(settings)),
    new Map(states.map((s) => [s.checkName, s])),
    now,
  );
  return buildSlackMessage(decisions, ctx);
}

const sectionTexts = (m: SlackMessage) => m.blocks.flatMap((b) => (b.type === 'section' ? [b.text.text] : []));

/** Every Slack limit the builder promises to stay within. */
function expectWithinLimits(m: SlackMessage): void {
  expect(m.blocks.length).toBeLessThanOrEqual(slackLimits.blocks);
  const header = m.blocks[0];
  expect(header?.type).toBe('header');
  if (header?.type === 'header') expect(header.text.text.length).toBeLessThanOrEqual(slackLimits.headerText);
  for (const block of m.blocks) {
    if (block.type === 'section') expect(block.text.text.length).toBeLessThanOrEqual(slackLimits.sectionText);
    if (block.type === 'context') {
      expect(block.elements.length).toBeLessThanOrEqual(10);
      for (const e of block.elements) expect(e.text.length).toBeLessThanOrEqual(slackLimits.sectionText);
    }
  }
  expect(blockText(m.blocks)).toBeLessThanOrEqual(slackLimits.blocksText);
  expect(m.text.length).toBeGreaterThan(0);
  expect(m.text.length).toBeLessThanOrEqual(slackLimits.fallbackText);
  // Code fences come in pairs, or Slack renders the rest of the section as code.
  for (const text of sectionTexts(m)) expect((text.match(/```/g) ?? []).length % 2).toBe(0);
}

describe('buildSlackMessage', () => {
  it('puts a cause first, with its runbook first line, and folds what it explains; within the limits', () => {
    const long = 'x'.repeat(5000);
    const m = message([
      checkResult('unrelated', 'error'),
      checkResult('effect-a', 'fail', { explainedBy: 'cause' }),
      checkResult('cause', 'fail', { runbook: 'No worker is running: start one.\n1. More.' }),
      checkResult(`effect-${long.slice(0, 100)}`, 'fail', { explainedBy: 'cause', description: long }),
    ]);
    if (!m) throw new Error('no message');
    expectWithinLimits(m);
    const [cause, other] = sectionTexts(m);
    expect(cause?.split('\n').slice(0, 4)).toEqual([
      ':red_circle: *cause* · *failing*',
      '*No worker is running: start one.*',
      '*2 rows* (threshold: any row)',
      `Also failing because of it: \`effect-a\`, \`effect-${'x'.repeat(100)}\``,
    ]);
    expect(other).toMatch(/^:x: \*unrelated\* · \*error\*/);
    expect(sectionTexts(m)).toHaveLength(2);
    expect(m.blocks[0]).toMatchObject({ text: { text: 'pipectl · prod: 1 failing, 1 error, 2 explained' } });
  });

  it('says nothing when no check has anything to say', () => {
    expect(message([checkResult('a', 'pass'), checkResult('b', 'warn')])).toBeUndefined();
  });

  it('posts one message for a run: header with counts and env, context, one section per check', () => {
    const m = message(
      [
        checkResult('pending-job-age', 'fail', {
          violations: 18,
          owner: 'pipeline-oncall',
          runbook: 'https://runbooks.example/pending-job-age',
          description: 'Jobs pending   too long.',
          sampleRows: [
            { job_id: 1, run_at: '2025-11-17T09:05:00.123456+00:00' },
            { job_id: 2, run_at: '2025-11-17T09:06:00+00:00' },
            { job_id: 3, run_at: '2025-11-17T09:07:00+00:00' },
            { job_id: 4, run_at: '2025-11-17T09:08:00+00:00' },
          ],
        }),
        checkResult('queue-depth', 'error', { kind: 'metric', threshold: 'warn > 40, fail > 100' }),
        checkResult('queued-domain-age', 'pass', { owner: 'intake-team' }),
        checkResult('quiet', 'pass'),
      ],
      [
        {
          checkName: 'queued-domain-age',
          status: 'fail',
          since: new Date('2025-11-17T09:20:00Z'),
          lastNotifiedAt: new Date('2025-11-17T09:20:00Z'),
          notifiedStatus: 'fail',
        },
      ],
      {
        'pending-job-age': { ...alertDefaults, slackMention: 'U024BE7LH' },
        'queued-domain-age': { ...alertDefaults, slackMention: 'S0614TZR7' },
      },
    );
    if (!m) throw new Error('expected a message');
    expectWithinLimits(m);
    expect(m.blocks.map((b) => b.type)).toEqual(['header', 'context', 'section', 'section', 'section']);
    expect(m.blocks[0]).toEqual({
      type: 'header',
      text: { type: 'plain_text', text: 'pipectl · prod: 1 failing, 1 error, 1 resolved', emoji: true },
    });
    const [context0] = m.blocks[1]?.type === 'context' ? m.blocks[1].elements : [];
    expect(context0?.text).toBe(
      'Ran <!date^1763386198^{date_short_pretty} {time_secs}|2025-11-17 13:29:58 UTC> on `cron-1` · 2 fail, 1 error, 5 pass · run 6f1c2d3e',
    );

    // Worst first among the new alerts, then the resolution.
    const [error, fail, resolved] = sectionTexts(m);
    expect(error).toMatch(/^:x: \*queue-depth\* · \*error\*\n/);
    expect(error).toContain('Could not run: relation "jobz" does not exist');
    expect(fail).toBe(
      [
        ':red_circle: *pending-job-age* · *failing*',
        'Jobs pending too long.',
        '*18 rows* (threshold: any row)',
        '```\njob_id=1  run_at=2025-11-17 09:05:00Z\njob_id=2  run_at=2025-11-17 09:06:00Z\njob_id=3  run_at=2025-11-17 09:07:00Z\n```',
        '…and 15 more rows',
        'Owner: <@U024BE7LH> (pipeline-oncall)',
        '<https://runbooks.example/pending-job-age|Runbook>',
      ].join('\n'),
    );
    // A resolution says how long it was failing, and names the owner without waking them.
    expect(resolved).toBe(
      [
        ':white_check_mark: *queued-domain-age* · *resolved* after 4h 10m of failing',
        'What queued-domain-age catches.',
        '*0 rows* (threshold: any row)',
        'Owner: intake-team',
      ].join('\n'),
    );
    expect(m.text).toBe(
      'pipectl · prod: 1 failing, 1 error, 1 resolved — firing: queue-depth, pending-job-age; resolved: queued-domain-age',
    );
    expect(m).toMatchObject({ unfurl_links: false, unfurl_media: false });
  });

  it('mentions a user group, says what a repeat and an escalation are, and quotes a text runbook', () => {
    const m = message(
      [
        checkResult('backlog', 'fail', { runbook: 'Start a worker.\nThen watch it drain.' }),
        checkResult('failure-rate', 'fail', { kind: 'metric', value: 31, threshold: 'warn > 10, fail > 20' }),
      ],
      [
        {
          checkName: 'backlog',
          status: 'fail',
          since: new Date('2025-11-17T09:00:00Z'),
          lastNotifiedAt: new Date('2025-11-17T09:15:00Z'),
          notifiedStatus: 'fail',
        },
        {
          checkName: 'failure-rate',
          status: 'warn',
          since: new Date('2025-11-17T13:00:00Z'),
          lastNotifiedAt: new Date('2025-11-17T13:00:00Z'),
          notifiedStatus: 'warn',
        },
      ],
      {
        backlog: { ...alertDefaults, slackMention: 'S0614TZR7' },
        'failure-rate': { ...alertDefaults, notifyOnWarn: true },
      },
      { ...context, envName: undefined },
    );
    if (!m) throw new Error('expected a message');
    expectWithinLimits(m);
    expect(m.blocks[0]?.type === 'header' && m.blocks[0].text.text).toBe('pipectl: 2 failing');
    const [escalated, repeat] = sectionTexts(m);
    expect(escalated).toMatch(/^:red_circle: \*failure-rate\* · \*failing\* \(was warning for 30m\)\n/);
    expect(escalated).toContain('value *31* (threshold: warn &gt; 10, fail &gt; 20)');
    expect(repeat).toMatch(/^:red_circle: \*backlog\* · still \*failing\* after 4h 30m\n/);
    expect(repeat).toContain('Owner: <!subteam^S0614TZR7>');
    expect(repeat).toContain('*Runbook*\n>Start a worker.\n>Then watch it drain.');
  });

  it('escapes what a check returns, so a row cannot ping @channel or break the code block', () => {
    const m = message([
      checkResult('nasty', 'fail', {
        description: 'Tom & Jerry <!channel>',
        sampleRows: [{ note: '<!channel> ```rm -rf``` & <@U1>' }],
      }),
    ]);
    const [text] = m ? sectionTexts(m) : [];
    expect(text).toContain('Tom &amp; Jerry &lt;!channel&gt;');
    expect(text).not.toContain('<!channel>');
    expect(text).not.toContain('<@U1>');
    expect((text?.match(/```/g) ?? []).length).toBe(2);
  });

  it('escapes the environment name in the notification text, which Slack reads as mrkdwn', () => {
    const m = message([checkResult('a', 'fail')], [], {}, { ...context, envName: '<!channel> prod & co' });
    expect(m?.text).toBe('pipectl · &lt;!channel&gt; prod &amp; co: 1 failing — firing: a');
    // The header is plain_text: Slack shows it as written and parses nothing in it.
    const header = m?.blocks[0];
    expect(header?.type === 'header' && header.text.text).toBe('pipectl · <!channel> prod & co: 1 failing');
  });

  it('shows 48 short checks in full, and cuts at 50 blocks with "…and N more"', () => {
    const results = Array.from({ length: 60 }, (_, i) => checkResult(`c${i}`, 'fail', { sampleRows: [] }));
    const m = message(results.slice(0, 48));
    if (!m) throw new Error('expected a message');
    expectWithinLimits(m);
    expect(m.blocks).toHaveLength(50);
    expect(sectionTexts(m).every((s) => s.includes('\n'))).toBe(true);
    const cut = message(results);
    if (!cut) throw new Error('expected a message');
    expectWithinLimits(cut);
    expect(cut.blocks).toHaveLength(50);
    expect(sectionTexts(cut).at(-1)).toBe(
      `…and 13 more checks (\`pipectl check\` reports them all): ${results
        .slice(47)
        .map((r) => r.name)
        .join(', ')}`,
    );
  });

  it('fits 60 failing checks with huge texts into one message within every limit, ending in "…and N more"', () => {
    const wide = 'x'.repeat(5000);
    const results = Array.from({ length: 60 }, (_, i) =>
      checkResult(`check-${String(i).padStart(2, '0')}-${'n'.repeat(40)}`, i % 7 === 0 ? 'error' : 'fail', {
        description: `Catches ${i}. ${'A very long description & more. '.repeat(200)}`,
        violations: 100_000 + i,
        sampleRows: Array.from({ length: 5 }, (_, r) => ({ id: r, payload: wide, note: '<&>'.repeat(500) })),
        owner: 'o'.repeat(1000),
        runbook: `${'Step & step.\n'.repeat(400)}`,
        error: i % 7 === 0 ? `boom ${'e'.repeat(8000)}` : null,
      }),
    );
    const m = message(results, [], {}, { ...context, envName: 'e'.repeat(400) });
    if (!m) throw new Error('expected a message');
    expectWithinLimits(m);
    const sections = sectionTexts(m);
    const last = sections.at(-1) ?? '';
    const shown = sections.length - 1;
    // The worst first, in full; then compact lines while the blocks' total text lasts.
    expect(sections[0]).toMatch(/^:x: \*check-00-n+\* · \*error\*\nCatches 0\./);
    expect(sections[shown - 1]).toMatch(
      /^:red_circle: \*check-\d+-n+\* · \*failing\* · \*1000\d\d rows\* \(threshold: any row\) · Owner: o+…$/,
    );
    expect(shown).toBeGreaterThan(20);
    // The last section counts every check not shown, and names them as far as it can.
    const hidden = results.filter((r) => !sections.slice(0, shown).some((s) => s.includes(`*${r.name}*`)));
    expect(hidden).toHaveLength(60 - shown);
    expect(last).toContain(`…and ${60 - shown} more checks (\`pipectl check\` reports them all): ${hidden[0]?.name}, `);
    expect(last.startsWith('…and ')).toBe(true);
    const header = m.blocks[0]?.type === 'header' ? m.blocks[0].text.text : '';
    expect(header).toMatch(/^pipectl · e+…: 51 failing, 9 errors$/);
    expect(m.text).toMatch(/…and \d+ more$/);
    expect(JSON.stringify(m).length).toBeLessThan(16_000);
  });
});
