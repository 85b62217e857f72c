import { type Kysely, sql } from 'kysely';
import { beforeEach, describe, expect, it } from 'vitest';
import type { AlertedCheckRun } from '../../src/alerts/check-and-alert.js';
import type { SlackMessage } from '../../src/alerts/slack-message.js';
import type { Database } from '../../src/db/schema.js';
import { useCliDatabase } from '../checks/cli-database.js';
import { type CliResult, runCli } from '../helpers/cli.js';
import { backends } from '../helpers/databases.js';
import { addJobs, ago, emptyTables } from '../helpers/rows.js';
import { type StubAnswer, useSlackStub } from './slack-stub.js';

// `pipectl check --slack` as cron runs it: the built CLI (`npm run build` first), the shipped
// checks.yml, and a local stand-in for Slack. A pending job that no worker takes makes two
// default checks fail: no-live-worker, and pending-job-age, which it explains (inhibits:), so
// that each message is about no-live-worker with pending-job-age folded under it.

/** Work that nobody takes: a runnable job 20 minutes old, and no worker. */
const stall = (db: Kysely<Database>) => addJobs(db, 1, { runAt: ago('20 minutes') });
/** The job done. */
const repair = async (db: Kysely<Database>) => {
  await sql`update jobs set status = 'complete', attempts = 1, started_at = now(), finished_at = now()`.execute(db);
};
/** As if `minutes` had passed since the alert history was written. */
const later = (minutes: number) => async (db: Kysely<Database>) => {
  await sql`update alert_state set since = since - make_interval(mins => ${minutes}),
    last_notified_at = last_notified_at - make_interval(mins => ${minutes})`.execute(db);
};
const alertRows = (db: Kysely<Database>) =>
  db.selectFrom('alert_state').select(['check_name', 'status', 'notified_status']).orderBy('check_name').execute();

describe.each(backends)('pipectl check --slack on $name', ({ name, skip }) => {
  // Each CLI run on PGlite loads the embedded database from disk: allow for several per test.
  describe.skipIf(skip)(name, { timeout: 180_000 }, () => {
    const cli = useCliDatabase(name);
    const stub = useSlackStub();
    beforeEach(async () => {
      await cli.use(emptyTables);
    });

    const env = () => ({ ...cli.env, SLACK_WEBHOOK_URL: stub.url, PIPECTL_ENV: 'ci' });
    const check = (args: string[] = [], extra: Record<string, string | undefined> = {}) =>
      runCli(['check', '--slack', ...args], { env: { ...env(), ...extra } });
    /** The webhook is a secret: not the URL, not its path, not its token, anywhere. */
    const expectNoSecret = (r: CliResult) => {
      for (const secret of [stub.url, stub.token, 'T0STUB000/B0STUB000']) {
        expect(r.stdout).not.toContain(secret);
        expect(r.stderr).not.toContain(secret);
      }
    };

    it('healthy → nothing; failing → one post; 10 min later → nothing; 4 h → one repeat; fixed → one resolved; healthy → nothing', async () => {
      const runs: CliResult[] = [];
      const posts: number[] = [];
      const step = async () => {
        const before = stub.requests.length;
        runs.push(await check());
        posts.push(stub.requests.length - before);
      };
      await step();
      await cli.use(stall);
      await step();
      await cli.use(later(10));
      await step();
      await cli.use(later(230));
      await step();
      await cli.use(repair);
      await step();
      await step();

      expect(posts).toEqual([0, 1, 0, 1, 1, 0]);
      expect(runs.map((r) => r.code)).toEqual([0, 1, 1, 1, 0, 0]);
      for (const r of runs) {
        expectNoSecret(r);
        expect(r.stderr).toBe('');
        expect(r.stdout).toMatch(/^pipectl check: /);
      }
      const status = (r: CliResult) => r.stdout.trim().split('\n').at(-1);
      expect(runs.map(status)).toEqual([
        'slack: nothing new to post',
        'slack: posted 1 message (firing: no-live-worker; folded under their cause: pending-job-age) in 1 try',
        'slack: nothing new to post',
        'slack: posted 1 message (still firing: no-live-worker; folded under their cause: pending-job-age) in 1 try',
        // pending-job-age was never posted on its own, so it has no resolution of its own either.
        'slack: posted 1 message (resolved: no-live-worker) in 1 try',
        'slack: nothing new to post',
      ]);

      const [firing, repeat, resolved] = stub.delivered as SlackMessage[];
      const title = (m: SlackMessage | undefined) => (m?.blocks[0]?.type === 'header' ? m.blocks[0].text.text : '');
      expect([title(firing), title(repeat), title(resolved)]).toEqual([
        'pipectl · ci: 1 failing, 1 explained',
        'pipectl · ci: 1 failing, 1 explained',
        'pipectl · ci: 1 resolved',
      ]);
      const text = (m: SlackMessage | undefined) => JSON.stringify(m);
      expect(text(firing)).toContain(
        ':red_circle: *no-live-worker* · *failing*\\n*No worker is running: nothing processes the pipeline, and work piles up silently until one does.*\\n',
      );
      expect(text(firing)).toContain('*1 row* (threshold: any row)\\nAlso failing because of it: `pending-job-age`');
      expect(text(firing)).toContain('Owner: pipeline-oncall');
      expect(text(firing)).toContain('*Runbook*\\n>No worker is running');
      expect(text(firing)).not.toContain('*pending-job-age* ·');
      expect(text(repeat)).toContain('still *failing* after 4h');
      expect(text(repeat)).toContain('Also failing because of it: `pending-job-age`');
      expect(text(resolved)).toContain(':white_check_mark: *no-live-worker* · *resolved* after 4h of failing');
      expect(text(resolved)).not.toContain('pending-job-age');
      const rows = await cli.use(alertRows);
      expect(rows).toContainEqual({ check_name: 'no-live-worker', status: 'pass', notified_status: null });
      expect(rows).toContainEqual({ check_name: 'pending-job-age', status: 'pass', notified_status: null });
    });

    it.each<[string, StubAnswer[], string[], RegExp]>([
      [
        '400 invalid_payload',
        [{ status: 400, body: 'invalid_payload' }],
        [],
        /^pipectl: Slack rejected the message: invalid_payload \(HTTP 400\) — Slack could not read the message — a pipectl bug: report it with the --slack-dry-run output\n$/,
      ],
      [
        '404 channel_not_found',
        [{ status: 404, body: 'channel_not_found' }],
        [],
        /^pipectl: Slack rejected the message: channel_not_found \(HTTP 404\) — the webhook's channel no longer exists — create a webhook for an existing channel and set SLACK_WEBHOOK_URL or --slack-webhook\n$/,
      ],
      [
        '500 three times',
        [{ status: 500, body: 'rollup_error' }, { status: 500 }, { status: 502 }],
        [],
        /^pipectl: could not post to Slack after 3 tries in [\d.a-z]+: HTTP 502 no body — the next run sends the message again\n$/,
      ],
      [
        '429 with a Retry-After past the budget',
        [{ status: 429, headers: { 'retry-after': '3600' }, body: 'rate_limited' }],
        [],
        /^pipectl: Slack rate-limited the webhook \(HTTP 429, Retry-After 1h; gave up after 1 try in \d+ms, the limit is 30s\) — the next run sends the message again\n$/,
      ],
      [
        'a hanging endpoint',
        [{ hang: true }, { hang: true }, { hang: true }],
        ['--slack-timeout', '1s'],
        /^pipectl: could not post to Slack after \d tries in [\d.a-z]+: Slack did not answer within [\d.a-z]+ — the next run sends the message again\n$/,
      ],
    ])(
      'on %s: prints the results, exits 2 with one line on stderr, keeps the state, and never shows the URL',
      async (_, answers, args, expected) => {
        await cli.use(stall);
        stub.answer(...answers);
        const started = performance.now();
        const r = await check(args);
        expect(performance.now() - started).toBeLessThan(20_000);
        expect(r.code).toBe(2);
        expect(r.stdout).toMatch(/│ fail +│ pending-job-age /);
        expect(r.stderr).toMatch(expected);
        expectNoSecret(r);
        expect(await cli.use(alertRows)).toEqual([]);

        // The next run, with Slack back, sends the alert that failed.
        stub.reset();
        const retry = await check();
        expect(retry.code).toBe(1);
        expect(retry.stdout).toContain(
          'slack: posted 1 message (firing: no-live-worker; folded under their cause: pending-job-age) in 1 try',
        );
        expect(stub.delivered).toHaveLength(1);
      },
    );

    it('reports a failed delivery in --json and with --debug without the URL', async () => {
      await cli.use(stall);
      stub.answer({ status: 404, body: 'channel_not_found' });
      const json = await check(['--json']);
      expect(json.code).toBe(2);
      expectNoSecret(json);
      const run = JSON.parse(json.stdout) as AlertedCheckRun;
      expect(run.exitCode).toBe(2);
      expect(run.slack).toMatchObject({
        posted: false,
        firing: ['no-live-worker'],
        explained: ['pending-job-age'],
        attempts: 1,
        error: { code: 'slack_rejected' },
      });
      stub.answer({ status: 500 }, { status: 500 }, { status: 500 });
      const debug = await check(['--debug', '--slack-timeout', '1s']);
      expect(debug.code).toBe(2);
      expectNoSecret(debug);
    });

    it('--slack-dry-run prints the payload alone on stdout, posts nothing and changes no state', async () => {
      await cli.use(stall);
      const r = await runCli(['check', '--slack-dry-run', '--env-name', 'staging'], { env: env() });
      expect(r.code).toBe(1);
      expectNoSecret(r);
      expect(stub.requests).toHaveLength(0);
      const payload = JSON.parse(r.stdout) as SlackMessage;
      expect(payload.blocks[0]).toEqual({
        type: 'header',
        text: { type: 'plain_text', text: 'pipectl · staging: 1 failing, 1 explained', emoji: true },
      });
      expect(r.stderr).toMatch(/^pipectl check: fail /);
      expect(r.stderr).toContain(
        'slack: dry run, would post 1 message (firing: no-live-worker; folded under their cause: pending-job-age); the payload is on stdout, the alert state is unchanged\n',
      );
      expect(await cli.use(alertRows)).toEqual([]);
    });

    it('refuses --slack without a webhook, or with one that is not a URL, before running a check (exit 2)', async () => {
      const missing = await check([], { SLACK_WEBHOOK_URL: undefined });
      expect([missing.code, missing.stdout, missing.stderr]).toEqual([
        2,
        '',
        'pipectl: --slack needs a webhook: set SLACK_WEBHOOK_URL (or --slack-webhook), or use --slack-dry-run to see the message\n',
      ]);
      const malformed = await check([], { SLACK_WEBHOOK_URL: 'hooks.slack.com/services/T0/B0/sekret-token-123' });
      expect(malformed.code).toBe(2);
      expect(malformed.stderr).toMatch(/^pipectl: the Slack webhook is not an http\(s\) URL — /);
      expect(malformed.stderr).not.toContain('sekret-token-123');
      expect(await cli.use((db) => db.selectFrom('check_runs').select('id').execute())).toEqual([]);
    });

    it('takes the webhook from --slack-webhook too, and still never prints it', async () => {
      await cli.use(stall);
      const r = await runCli(['check', '--slack', '--slack-webhook', stub.url, '--json'], { env: cli.env });
      expect(r.code).toBe(1);
      expectNoSecret(r);
      expect(stub.delivered).toHaveLength(1);
    });

    it.skipIf(name !== 'postgres')('two concurrent runs on the same failure post exactly once', async () => {
      // PGlite allows one process per data directory (a second run exits 2, data_dir_locked), and
      // serialises in-process runs in its single session; test/alerts/notify-slack.test.ts covers it.
      await cli.use(stall);
      stub.answer({ delayMs: 500 });
      const [a, b] = await Promise.all([check(), check()]);
      expect([a.code, b.code]).toEqual([1, 1]);
      expect(stub.requests).toHaveLength(1);
      const lines = [a, b].map((r) => r.stdout.trim().split('\n').at(-1)).sort();
      expect(lines).toEqual([
        'slack: nothing new to post',
        'slack: posted 1 message (firing: no-live-worker; folded under their cause: pending-job-age) in 1 try',
      ]);
    });
  });
});
