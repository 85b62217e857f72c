import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

// The README's first command: the whole product, offline, on the embedded database.
describe('pipectl demo', () => {
  it('crawls the fixture sites, passes the checks, replays the incident and recovers (exit 0)', async () => {
    const r = await runCli(['demo'], { timeoutMs: 120_000 });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const out = r.stdout;
    // The healthy pipeline, end to end.
    expect(out).toMatch(/oakridge-plumbing\.com\s+complete\s+4\s+5\s+4/);
    expect(out).toMatch(/harborbooks\.co\.uk\s+complete\s+1\s+3\s+3/);
    expect(out).toMatch(/brightsmile-dental\.com\s+complete\s+0\s+0\s+0\s+no sitemap found/);
    expect(out).toContain('namaste@sunset-yoga.com');
    expect(out).not.toContain('private@vintage-vinyl.shop');
    expect(out).toContain('exit code 0: every check passes on a healthy pipeline.');
    // The incident, simulated and labelled so.
    expect(out).toContain('SIMULATED TIME');
    expect(out).toContain('exit code 1: pending-job-age, submitted-without-sitemaps, no-live-worker');
    expect(out).toContain('3 failing; probable cause: no worker is running (`no-live-worker`)');
    // One Slack page for the three: the cause first, the others folded under it.
    expect(out).toContain(
      [
        '  pipectl · demo: 1 failing, 2 explained',
        '  :red_circle: *no-live-worker* · *failing*',
        '  *No worker is running: nothing processes the pipeline, and work piles up silently until one does.*',
        '  Also failing because of it: `pending-job-age`, `submitted-without-sitemaps`',
      ].join('\n'),
    );
    expect(out).toMatch(
      /verdict: ✗ WF4 `sitemap` job pending for 45m and never claimed; no worker heartbeat since .* → no worker is running/,
    );
    // The recovery.
    expect(out).toContain('requeued 3 domains, cancelled 3 stale jobs');
    expect(out).toMatch(/jenkinseyecare\.com\s+complete\s+3\s+5\s+3/);
    // The status page and the impact report, written into the data directory, their paths printed.
    const status = /^status page: (\S+\/status\.html)$/m.exec(out)?.[1];
    const impact = /^impact report: (\S+\/impact\.html)$/m.exec(out)?.[1];
    expect(readFileSync(status ?? '', 'utf8')).toContain('<title>pipectl status: demo</title>');
    expect(readFileSync(impact ?? '', 'utf8')).toContain('<h1>Impact assessment');
    expect(out).toMatch(/✓ demo complete in [\d.]+s \(0 domains not complete\)/);
    expect(r.ms).toBeLessThan(60_000);
  });
});
