import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { beforeEach, describe, expect, it } from 'vitest';
import { type AlertedCheckRun, checkAndAlert } from '../../src/alerts/check-and-alert.js';
import type { DeliveryPolicy } from '../../src/alerts/deliver-slack-message.js';
import type { SlackAlertOptions } from '../../src/alerts/notify-slack.js';
import type { SlackMessage } from '../../src/alerts/slack-message.js';
import type { Backend } from '../../src/db/open-database.js';
import type { Database } from '../../src/db/schema.js';
import { ExitCode } from '../../src/errors.js';
import { backends, useTestDatabase } from '../helpers/databases.js';
import { addJobs, ago, emptyTables } from '../helpers/rows.js';
import { useSlackStub } from './slack-stub.js';

// The Slack step as `pipectl check --slack` runs it (checkAndAlert), in-process against both
// backends and a local stand-in for Slack. Time moves by shifting alert_state's timestamps back:
// the decisions read the database's clock, as the checks do.

const checksFile = path.join(mkdtempSync(path.join(os.tmpdir(), 'pipectl-alerts-')), 'checks.yml');
writeFileSync(
  checksFile,
  `defaults:
  repeat_interval: 2h
checks:
  - name: backlog
    description: Noop jobs pending for more than a minute.
    severity: fail
    owner: pipeline-oncall
    slack_mention: U024BE7LH
    runbook: https://runbooks.example/backlog
    sql: select job_id, run_at from jobs where status = 'pending' and job_type = 'noop' and run_at < now() - interval '1 minute' order by run_at
  - name: failed-noops
    description: Any failed noop job; notifies on warn, every 30 minutes.
    severity: warn
    notify_on_warn: true
    repeat_interval: 30m
    sql: select job_id from jobs where status = 'failed' and job_type = 'noop'
  - name: quiet-warning
    description: The same, but a warning that never posts.
    severity: warn
    sql: select job_id from jobs where status = 'failed' and job_type = 'noop'
`,
);

const fast: DeliveryPolicy = { maxAttempts: 3, attemptTimeoutMs: 2000, totalTimeoutMs: 6000, backoffBaseMs: 50 };

describe.each(backends)('Slack alerts on $name', ({ name, skip }) => {
  describe.skipIf(skip)(name, () => {
    const t = useTestDatabase(name);
    const stub = useSlackStub();
    beforeEach(async () => {
      await emptyTables(t.db);
    });

    /** Runs the checks of `files` on this database (or `db`), alerting the stub. */
    const alertFrom = (
      files: Pick<Parameters<typeof checkAndAlert>[0], 'config' | 'only'>,
      slack: Partial<SlackAlertOptions> = {},
      db: Kysely<Database> = t.db,
    ): Promise<AlertedCheckRun> =>
      checkAndAlert({
        ...files,
        cwd: process.cwd(),
        openDatabase: async () => ({
          db,
          backend: name as Backend,
          location: name,
          migrated: [],
          close: async () => {},
        }),
        slack: { webhookUrl: stub.url, dryRun: false, envName: 'test', host: 'ci', delivery: fast, ...slack },
      });
    const run = (slack: Partial<SlackAlertOptions> = {}, db: Kysely<Database> = t.db): Promise<AlertedCheckRun> =>
      alertFrom({ config: checksFile }, slack, db);

    /** Moves the alert history back in time, as if `minutes` had passed. */
    const later = (minutes: number) =>
      sql`update alert_state set since = since - make_interval(mins => ${minutes}),
        last_notified_at = last_notified_at - make_interval(mins => ${minutes})`.execute(t.db);
    const states = () =>
      t.db
        .selectFrom('alert_state')
        .select(['check_name', 'status', 'notified_status'])
        .orderBy('check_name')
        .execute();
    const header = (m: unknown) => (m as SlackMessage).blocks[0]?.type === 'header' && (m as SlackMessage).blocks[0];

    it('follows a check through firing, quiet, repeat, resolved and quiet again', async () => {
      const steps: { posts: number; exit: number; slack: AlertedCheckRun['slack'] }[] = [];
      const step = async () => {
        const before = stub.delivered.length;
        const r = await run();
        steps.push({ posts: stub.delivered.length - before, exit: r.exitCode, slack: r.slack });
      };
      await step(); // healthy
      await addJobs(t.db, 2, { runAt: ago('5 minutes') });
      await step(); // starts failing
      await later(10);
      await step(); // same failure, 10 minutes later
      await later(110);
      await step(); // 2 h after the first post: the file's default repeat_interval
      await sql`update jobs set status = 'complete', finished_at = now()`.execute(t.db);
      await step(); // fixed
      await step(); // healthy again

      expect(steps.map((s) => s.posts)).toEqual([0, 1, 0, 1, 1, 0]);
      expect(steps.map((s) => s.exit)).toEqual([0, 1, 1, 1, 0, 0]);
      expect(steps.map((s) => [s.slack?.firing, s.slack?.repeated, s.slack?.resolved])).toEqual([
        [[], [], []],
        [['backlog'], [], []],
        [[], [], []],
        [[], ['backlog'], []],
        [[], [], ['backlog']],
        [[], [], []],
      ]);
      const [firing, repeat, resolved] = stub.delivered as SlackMessage[];
      expect(header(firing)).toMatchObject({ text: { text: 'pipectl · test: 1 failing' } });
      expect(JSON.stringify(firing)).toContain('Owner: <@U024BE7LH> (pipeline-oncall)');
      expect(JSON.stringify(repeat)).toMatch(/still \*failing\* after 2h/);
      expect(header(resolved)).toMatchObject({ text: { text: 'pipectl · test: 1 resolved' } });
      expect(JSON.stringify(resolved)).toMatch(/\*resolved\* after 2h of failing\\n/);
      expect(await states()).toEqual([
        { check_name: 'backlog', status: 'pass', notified_status: null },
        { check_name: 'failed-noops', status: 'pass', notified_status: null },
        { check_name: 'quiet-warning', status: 'pass', notified_status: null },
      ]);
    });

    it('posts a warning only with notify_on_warn, and repeats it on its own interval', async () => {
      await addJobs(t.db, 1, { status: 'failed', finishedAt: ago('1 minute') });
      const first = await run();
      expect(first.exitCode).toBe(ExitCode.ok);
      expect(first.slack?.firing).toEqual(['failed-noops']);
      expect(header(stub.delivered[0])).toMatchObject({ text: { text: 'pipectl · test: 1 warning' } });
      await later(29);
      expect((await run()).slack?.posted).toBe(false);
      await later(1);
      expect((await run()).slack?.repeated).toEqual(['failed-noops']);
      expect(stub.delivered).toHaveLength(2);
      expect(await states()).toContainEqual({ check_name: 'quiet-warning', status: 'warn', notified_status: null });
    });

    it.each([
      ['a refusal (400 invalid_payload)', [{ status: 400, body: 'invalid_payload' }], 'slack_rejected', 1],
      ['Slack down (500 × 3)', [{ status: 500 }, { status: 500 }, { status: 500 }], 'slack_unavailable', 3],
    ])(
      'on %s: exit 2, results kept, state not advanced, and the next run sends again',
      async (_, answers, code, requests) => {
        await addJobs(t.db, 1, { runAt: ago('5 minutes') });
        stub.answer(...answers);
        const failed = await run();
        expect(failed.exitCode).toBe(ExitCode.error);
        expect(failed.checks.find((c) => c.name === 'backlog')?.status).toBe('fail');
        expect(failed.slack).toMatchObject({ posted: false, firing: ['backlog'], error: { code } });
        expect(stub.requests).toHaveLength(requests);
        expect(await states()).toEqual([]);

        const again = await run();
        expect(again.exitCode).toBe(ExitCode.problem);
        expect(again.slack).toMatchObject({ posted: true, firing: ['backlog'], error: null, attempts: 1 });
        expect(stub.delivered).toHaveLength(1);
      },
    );

    it('says so when Slack got the post but the state could not be stored (exit 2)', async () => {
      await addJobs(t.db, 1, { runAt: ago('5 minutes') });
      // A real failure inside the transaction, after the post: a trigger that refuses the write.
      await sql`create function refuse_alert_state() returns trigger language plpgsql as
        $$ begin raise exception 'alert_state is read-only today'; end $$`.execute(t.db);
      await sql`create trigger refuse before insert or update on alert_state
        for each row execute function refuse_alert_state()`.execute(t.db);
      try {
        const r = await run();
        expect(r.exitCode).toBe(ExitCode.error);
        expect(r.slack).toMatchObject({ posted: true, firing: ['backlog'] });
        expect(r.slack?.error?.message).toBe(
          'posted to Slack, but could not store the alert state: alert_state is read-only today — the next run may post it again',
        );
        expect(stub.delivered).toHaveLength(1);
      } finally {
        await sql`drop trigger refuse on alert_state`.execute(t.db);
        await sql`drop function refuse_alert_state()`.execute(t.db);
      }
      // As it said: the next run posts again, since nothing recorded the first post.
      expect((await run()).slack?.firing).toEqual(['backlog']);
      expect(stub.delivered).toHaveLength(2);
    });

    it('a dry run returns the payload and leaves the state alone', async () => {
      await addJobs(t.db, 1, { runAt: ago('5 minutes') });
      const dry = await run({ dryRun: true, webhookUrl: undefined });
      expect(dry.slack).toMatchObject({ dryRun: true, posted: false, firing: ['backlog'], error: null });
      expect(header(dry.slack?.payload)).toMatchObject({ text: { text: 'pipectl · test: 1 failing' } });
      expect(stub.requests).toHaveLength(0);
      expect(await states()).toEqual([]);
      // The real run then posts exactly what the dry run showed, but for the run's own time and id.
      await run();
      const posted = stub.delivered[0] as SlackMessage;
      expect(posted.blocks.filter((b) => b.type !== 'context')).toEqual(
        dry.slack?.payload?.blocks.filter((b) => b.type !== 'context'),
      );
    });

    it('refuses --slack without a webhook before running any check', async () => {
      await expect(run({ webhookUrl: undefined })).rejects.toMatchObject({
        code: 'slack_not_configured',
        exitCode: ExitCode.error,
      });
      expect(await t.db.selectFrom('check_runs').select('id').execute()).toEqual([]);
    });

    describe('checks removed from the file, and several checks files on one database', () => {
      const backlogCheck = `  - name: backlog
    description: Noop jobs pending for more than a minute.
    severity: fail
    sql: select job_id from jobs where status = 'pending' and job_type = 'noop' and run_at < now() - interval '1 minute'
`;
      const otherCheck = `  - name: other
    description: Never fires.
    severity: fail
    sql: select 1 where false
`;
      const fileWith = (text: string, dir = mkdtempSync(path.join(os.tmpdir(), 'pipectl-alerts-ns-'))) => {
        const file = path.join(dir, 'checks.yml');
        writeFileSync(file, text);
        return file;
      };
      const runFile = (config: string, slack: Partial<SlackAlertOptions> = {}) => alertFrom({ config }, slack);
      const rows = () =>
        t.db
          .selectFrom('alert_state')
          .select(['namespace', 'check_name', 'notified_status'])
          .orderBy('namespace')
          .orderBy('check_name')
          .execute();

      it('resolves a firing check that was removed from the file, saying so, and clears its state', async () => {
        await addJobs(t.db, 1, { runAt: ago('5 minutes') });
        const file = fileWith(`checks:\n${backlogCheck}${otherCheck}`);
        expect((await runFile(file)).slack?.firing).toEqual(['backlog']);
        writeFileSync(file, `checks:\n${otherCheck}`);
        const after = await runFile(file);
        expect(after.slack).toMatchObject({
          posted: true,
          firing: [],
          resolved: [],
          removed: ['backlog'],
          error: null,
        });
        const resolved = JSON.stringify(stub.delivered[1]);
        expect(resolved).toContain('*backlog* · *resolved*: no longer in the checks file');
        expect(resolved).toMatch(
          /It was failing for \d+s, then removed or renamed in [^;]*checks\.yml; it no longer runs/,
        );
        expect(header(stub.delivered[1])).toMatchObject({ text: { text: 'pipectl · test: 1 resolved' } });
        expect((await rows()).map((r) => r.check_name)).toEqual(['other']);
        // Said once: the next run has nothing to say.
        expect((await runFile(file)).slack?.posted).toBe(false);
        expect(stub.delivered).toHaveLength(2);
      });

      it('drops the state of a removed check that was not firing, without a post', async () => {
        const file = fileWith(`checks:\n${backlogCheck}${otherCheck}`);
        await runFile(file);
        expect((await rows()).map((r) => r.check_name)).toEqual(['backlog', 'other']);
        writeFileSync(file, `checks:\n${otherCheck}`);
        expect((await runFile(file)).slack).toMatchObject({ posted: false, removed: [] });
        expect((await rows()).map((r) => r.check_name)).toEqual(['other']);
      });

      it('does not count checks left out by --only as removed', async () => {
        await addJobs(t.db, 1, { runAt: ago('5 minutes') });
        const file = fileWith(`checks:\n${backlogCheck}${otherCheck}`);
        await runFile(file);
        const only = await alertFrom({ config: file, only: ['other'] });
        expect(only.slack).toMatchObject({ posted: false, removed: [], resolved: [] });
        expect(await rows()).toContainEqual(
          expect.objectContaining({ check_name: 'backlog', notified_status: 'fail' }),
        );
      });

      it("keeps two files apart: neither resolves nor repeats the other's alerts", async () => {
        await addJobs(t.db, 1, { runAt: ago('5 minutes') });
        const shipped = fileWith(`checks:\n${backlogCheck}`);
        const custom = fileWith(`checks:\n${otherCheck}${backlogCheck.replace('name: backlog', 'name: backlog-too')}`);
        expect((await runFile(shipped)).slack?.firing).toEqual(['backlog']);
        // The custom file has no `backlog`: that is not a removal, it is another file's check.
        expect((await runFile(custom)).slack).toMatchObject({ firing: ['backlog-too'], removed: [], resolved: [] });
        expect((await runFile(shipped)).slack?.posted).toBe(false);
        expect((await runFile(custom)).slack?.posted).toBe(false);
        const states = await rows();
        expect(new Set(states.map((r) => r.namespace)).size).toBe(2);
        expect(
          states
            .filter((r) => r.notified_status === 'fail')
            .map((r) => r.check_name)
            .sort(),
        ).toEqual(['backlog', 'backlog-too']);
        // The same check name in two files: each file alerts on its own.
        const copy = fileWith(`checks:\n${backlogCheck}`);
        expect((await runFile(copy)).slack?.firing).toEqual(['backlog']);
      });

      it('shares state between files that declare the same namespace, from any path', async () => {
        await addJobs(t.db, 1, { runAt: ago('5 minutes') });
        const a = fileWith(`namespace: team-a\nchecks:\n${backlogCheck}`);
        const b = fileWith(`namespace: team-a\nchecks:\n${backlogCheck}`);
        expect((await runFile(a)).slack?.firing).toEqual(['backlog']);
        expect((await runFile(b)).slack?.posted).toBe(false);
        expect(await rows()).toEqual([{ namespace: 'team-a', check_name: 'backlog', notified_status: 'fail' }]);
      });

      it('adopts an alert stored before namespaces, so that it still resolves', async () => {
        await sql`insert into alert_state (namespace, check_name, status, since, last_notified_at, notified_status)
          values ('', 'backlog', 'fail', now() - interval '1 hour', now() - interval '1 hour', 'fail'),
                 ('', 'someone-elses', 'fail', now() - interval '1 hour', now() - interval '1 hour', 'fail')`.execute(
          t.db,
        );
        const file = fileWith(`checks:\n${backlogCheck}`);
        const r = await runFile(file);
        expect(r.slack).toMatchObject({ posted: true, resolved: ['backlog'], removed: [] });
        expect(JSON.stringify(stub.delivered[0])).toMatch(/\*resolved\* after 1h/);
        const states = await rows();
        expect(states.map((s) => [s.namespace === '' ? '' : 'file', s.check_name, s.notified_status])).toEqual([
          ['', 'someone-elses', 'fail'],
          ['file', 'backlog', null],
        ]);
      });

      it('refuses to keep alert state for a piped checks file without a namespace (exit 2, results kept)', async () => {
        await addJobs(t.db, 1, { runAt: ago('5 minutes') });
        const fifo = path.join(mkdtempSync(path.join(os.tmpdir(), 'pipectl-alerts-fifo-')), 'fifo');
        execFileSync('mkfifo', [fifo]);
        const [r] = await Promise.all([runFile(fifo), writeFile(fifo, `checks:\n${backlogCheck}`)]);
        expect(r.checks.map((c) => [c.name, c.status])).toEqual([['backlog', 'fail']]);
        expect(r.exitCode).toBe(ExitCode.error);
        expect(r.slack?.error).toMatchObject({
          code: 'alert_namespace_missing',
          message: expect.stringContaining('add `namespace: <name>` to it'),
        });
        expect(stub.requests).toHaveLength(0);
        expect(await rows()).toEqual([]);
      });

      it('a dry run shows the removal and changes nothing', async () => {
        await addJobs(t.db, 1, { runAt: ago('5 minutes') });
        const file = fileWith(`checks:\n${backlogCheck}${otherCheck}`);
        await runFile(file);
        writeFileSync(file, `checks:\n${otherCheck}`);
        const dry = await runFile(file, { dryRun: true, webhookUrl: undefined });
        expect(dry.slack).toMatchObject({ dryRun: true, removed: ['backlog'] });
        expect(JSON.stringify(dry.slack?.payload)).toContain('no longer in the checks file');
        expect((await rows()).map((r) => r.check_name)).toEqual(['backlog', 'other']);
      });
    });

    it('two concurrent runs on the same failure post exactly once', async () => {
      await addJobs(t.db, 1, { runAt: ago('5 minutes') });
      // A slow Slack keeps the first run inside its lock while the second one arrives.
      stub.answer({ delayMs: 300 });
      // On the server each run has its own pool, as two cron processes would; PGlite has one session.
      const other =
        name === 'postgres'
          ? new Kysely<Database>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: t.url }) }) })
          : t.db;
      try {
        const runs = await Promise.all([run(), run({}, other)]);
        expect(stub.requests).toHaveLength(1);
        expect(runs.map((r) => r.slack?.posted).sort()).toEqual([false, true]);
        expect(runs.every((r) => r.slack?.error === null)).toBe(true);
      } finally {
        if (other !== t.db) await other.destroy();
      }
    });
  });
});
