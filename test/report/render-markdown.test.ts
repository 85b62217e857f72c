import { describe, expect, it } from 'vitest';
import type { CheckRun } from '../../src/checks/check-result.js';
import { renderMarkdown } from '../../src/report/render-markdown.js';
import { checkResult } from '../alerts/check-results.js';

function run(checks: CheckRun['checks']): CheckRun {
  return {
    runId: '00000000-0000-4000-8000-000000000000',
    startedAt: '2025-11-17T09:30:00.000Z',
    config: 'checks.yml',
    backend: 'postgres',
    status: 'fail',
    failOn: 'fail',
    exitCode: 1,
    counts: { pass: 0, warn: 0, fail: checks.length, error: 0 },
    recorded: true,
    recordError: null,
    checks,
  };
}

describe('the markdown report', () => {
  it('escapes description, owner and runbook as it escapes table cells, keeping their line breaks', () => {
    const text = renderMarkdown(
      run([
        checkResult('hostile', 'fail', {
          description: ']]><script>alert(1)</script> & more',
          owner: 'o<w>n&er',
          runbook: 'Step 1: <b>restart</b>\nStep 2: check a && b',
        }),
      ]),
    );
    expect(text).toContain('\n]]&gt;&lt;script&gt;alert(1)&lt;/script&gt; &amp; more\n');
    expect(text).toContain('**Owner:** o&lt;w&gt;n&amp;er');
    expect(text).toContain('Step 1: &lt;b&gt;restart&lt;/b&gt;\nStep 2: check a &amp;&amp; b');
    expect(text).not.toMatch(/<script>|<w>|<b>/);
  });
});
