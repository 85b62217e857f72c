import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { seedIncident } from '../fixtures/incident-replay.js';
import { runCli } from '../helpers/cli.js';
import { useTestDatabase } from '../helpers/databases.js';
import { serverUrl } from '../helpers/test-env.js';

// What the on-call engineer types during the incident, against the replayed database.
describe.skipIf(!serverUrl)('pipectl audit and requeue, from the command line', () => {
  const t = useTestDatabase('postgres');
  const cli = (...args: string[]) => runCli(args, { env: { DATABASE_URL: t.url } });

  beforeAll(async () => {
    await seedIncident(t.db);
  });

  it('audit domain names the broken stage and exits 1; --json and markdown carry the same verdict', async () => {
    const text = await cli('audit', 'domain', 'jenkinseyecare.com');
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(
      /verdict: ✗ WF4 `sitemap` job pending for 20m and never claimed; no worker heartbeat since .* → no worker is running/,
    );
    const json = JSON.parse((await cli('audit', 'domain', 'jenkinseyecare.com', '--json')).stdout);
    expect(json.verdict.rule).toBe('wf4-pending-no-worker');
    expect(json.jobs).toHaveLength(1);
    const md = await cli('audit', 'domain', 'jenkinseyecare.com', '--format', 'markdown');
    expect(md.stdout).toContain('**Verdict:** WF4 `sitemap` job pending for 20m');
  });

  it('audit domain on an unknown name exits 1 and suggests the nearest', async () => {
    const r = await cli('audit', 'domain', 'jenkinseycare.com');
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(
      'pipectl: no domain "jenkinseycare.com" in the database — did you mean jenkinseyecare.com?',
    );
  });

  it('audit impact prints the zero-output streak, in markdown too', async () => {
    const r = await cli('audit', 'impact', '--since', '80d');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /WF5 pages: 0 created for 70 days \(.* → .*, still going\) while work waited at WF4; 432 domains submitted meanwhile/,
    );
    const md = await cli('audit', 'impact', '--since', '80d', '--format', 'markdown');
    expect(md.stdout).toContain('### Impact assessment');
    expect(md.stdout).toContain('| day | submitted |');
  });

  it('audit stuck exits 1 and lists the stuck stages', async () => {
    const r = await cli('audit', 'stuck', '--json');
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).map((g: { what: string }) => g.what)).toContain('sitemap jobs pending and runnable');
  });

  it('audit stuck --stage takes a job type or its workflow name: sitemap and WF4 list the same groups', async () => {
    const byType = await cli('audit', 'stuck', '--stage', 'sitemap', '--json');
    const byName = await cli('audit', 'stuck', '--stage', 'WF4', '--json');
    expect(byType.code).toBe(1);
    // The same groups, but for their ages: the second command runs a moment later.
    const groups = (r: { stdout: string }) =>
      (JSON.parse(r.stdout) as { stage: string; what: string; count: number }[]).map(({ stage, what, count }) => ({
        stage,
        what,
        count,
      }));
    expect(groups(byType).length).toBeGreaterThan(0);
    expect(new Set(groups(byType).map((g) => g.stage))).toEqual(new Set(['WF4']));
    expect(groups(byName)).toEqual(groups(byType));
  });

  it('requeue: dry run, refusal above the threshold without --yes, then the real thing', async () => {
    const dry = await cli('requeue', '--status', 'submitted', '--since', '1h', '--dry-run');
    expect(dry.stdout.trim()).toMatch(
      /^dry run: would requeue 18 domains \(e\.g\. .*\) and cancel 18 jobs; nothing changed\.$/,
    );
    const refused = await cli('requeue', '--status', 'submitted');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('needs --yes');
    const done = await cli('requeue', '--status', 'submitted', '--since', '1h', '--json');
    expect(done.code).toBe(0);
    expect(JSON.parse(done.stdout)).toMatchObject({ requeued: 18, cancelled: 18 });
    const { rows } = await sql<{
      n: number;
    }>`select count(*)::int as n from domains where sitemap_analysis_status = 'queued'`.execute(t.db);
    expect(rows[0]?.n).toBe(18);
  });

  it('jobs retry by filter honours --dry-run and the --yes threshold', async () => {
    await sql`update jobs set status = 'failed', finished_at = now(), last_error = 'HTTP 500' where status = 'pending'`.execute(
      t.db,
    );
    const dry = await cli('jobs', 'retry', '--status', 'failed', '--stage', 'sitemap', '--dry-run', '--json');
    expect(JSON.parse(dry.stdout)).toMatchObject({ dryRun: true, matched: 414 });
    const refused = await cli('jobs', 'retry', '--status', 'failed', '--stage', 'sitemap');
    expect(refused.code).toBe(1);
    const few = await cli(
      'jobs',
      'retry',
      '--status',
      'failed',
      '--since',
      '80d',
      '--domain',
      'stuck-1-1.example',
      '--json',
    );
    expect(few.code).toBe(0);
    expect(JSON.parse(few.stdout).changes).toEqual([expect.objectContaining({ outcome: 'changed', from: 'failed' })]);
  });
});
