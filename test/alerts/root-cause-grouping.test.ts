import { type Kysely, sql } from 'kysely';
import { beforeEach, describe, expect, it } from 'vitest';
import { type AlertedCheckRun, checkAndAlert } from '../../src/alerts/check-and-alert.js';
import type { DeliveryPolicy } from '../../src/alerts/deliver-slack-message.js';
import type { SlackMessage } from '../../src/alerts/slack-message.js';
import { shippedChecksPath } from '../../src/checks/resolve-checks-path.js';
import type { Backend } from '../../src/db/open-database.js';
import type { Database } from '../../src/db/schema.js';
import { ExitCode } from '../../src/errors.js';
import { backends, useTestDatabase } from '../helpers/databases.js';
import { addDomain, addJobs, addSitemapFile, addWorker, ago, emptyTables } from '../helpers/rows.js';
import { useSlackStub } from './slack-stub.js';

// Issue 17 §2 with the shipped checks.yml: no-live-worker inhibits the checks that fail because
// no worker runs, so the incident pages once, cause first; the others are judged on their own
// again once it resolves.

const fast: DeliveryPolicy = { maxAttempts: 3, attemptTimeoutMs: 2000, totalTimeoutMs: 6000, backoffBaseMs: 50 };

/** The incident: three domains submitted 40 minutes ago, their sitemap jobs pending ever since, no worker. */
async function replayIncident(db: Kysely<Database>): Promise<void> {
  for (let i = 0; i < 3; i += 1) {
    const domainId = await addDomain(db, 'submitted', ago('40 minutes'));
    await addJobs(db, 1, { type: 'sitemap', domainId, runAt: ago('40 minutes') });
  }
}

/** A worker comes back: it heartbeats, but has not taken the jobs yet. */
const workerStarts = (db: Kysely<Database>) => addWorker(db, ago('5 seconds'));

/** The work done: the jobs complete and the domains' sitemaps recorded. */
async function workDone(db: Kysely<Database>): Promise<void> {
  await sql`update jobs set status = 'complete', attempts = 1, started_at = now(), finished_at = now()`.execute(db);
  const domains = await db.selectFrom('domains').select('id').execute();
  for (const { id } of domains) await addSitemapFile(db, id, ago('1 minute'));
  await sql`update domains set sitemap_analysis_status = 'complete'`.execute(db);
}

/** The mrkdwn of a message's sections, in order. */
const sections = (m: unknown) => (m as SlackMessage).blocks.flatMap((b) => (b.type === 'section' ? [b.text.text] : []));
const header = (m: unknown) => {
  const first = (m as SlackMessage).blocks[0];
  return first?.type === 'header' ? first.text.text : '';
};

describe.each(backends)('root-cause grouping in Slack on $name', ({ name, skip }) => {
  describe.skipIf(skip)(name, () => {
    const t = useTestDatabase(name);
    const stub = useSlackStub();
    beforeEach(async () => {
      await emptyTables(t.db);
    });

    const run = (): Promise<AlertedCheckRun> =>
      checkAndAlert({
        config: shippedChecksPath,
        cwd: process.cwd(),
        openDatabase: async () => ({
          db: t.db,
          backend: name as Backend,
          location: name,
          migrated: [],
          close: async () => {},
        }),
        slack: { webhookUrl: stub.url, dryRun: false, envName: 'test', host: 'ci', delivery: fast },
      });
    /** Moves the alert history back in time, as if `minutes` had passed. */
    const later = (minutes: number) =>
      sql`update alert_state set since = since - make_interval(mins => ${minutes}),
        last_notified_at = last_notified_at - make_interval(mins => ${minutes})`.execute(t.db);
    const state = (check: string) =>
      t.db
        .selectFrom('alert_state')
        .select(['status', 'notified_status'])
        .where('check_name', '=', check)
        .executeTakeFirst();
    const outcome = (r: AlertedCheckRun) => ({
      firing: r.slack?.firing,
      repeated: r.slack?.repeated,
      resolved: r.slack?.resolved,
      explained: r.slack?.explained,
    });

    it('the incident replay posts one message: no-live-worker first, the others folded under it', async () => {
      await replayIncident(t.db);
      const r = await run();
      // The exit code and every status are what they were without inhibits:.
      expect(r.exitCode).toBe(ExitCode.problem);
      const failing = r.checks.filter((c) => c.status !== 'pass');
      expect(failing.map((c) => [c.name, c.status, c.explainedBy])).toEqual([
        ['pending-job-age', 'fail', 'no-live-worker'],
        ['submitted-without-sitemaps', 'fail', 'no-live-worker'],
        ['no-live-worker', 'fail', null],
      ]);

      expect(stub.delivered).toHaveLength(1);
      expect(outcome(r)).toEqual({
        firing: ['no-live-worker'],
        repeated: [],
        resolved: [],
        explained: ['pending-job-age', 'submitted-without-sitemaps'],
      });
      const message = stub.delivered[0];
      expect(header(message)).toBe('pipectl · test: 1 failing, 2 explained');
      const [cause, ...rest] = sections(message);
      expect(rest).toEqual([]);
      expect(cause?.split('\n').slice(0, 2)).toEqual([
        ':red_circle: *no-live-worker* · *failing*',
        '*No worker is running: nothing processes the pipeline, and work piles up silently until one does.*',
      ]);
      expect(cause).toContain('\nAlso failing because of it: `pending-job-age`, `submitted-without-sitemaps`\n');
      expect((message as SlackMessage).text).toBe(
        'pipectl · test: 1 failing, 2 explained — firing: no-live-worker (explains pending-job-age, submitted-without-sitemaps)',
      );
      // Their alert state is kept: failing, and never posted on their own.
      expect(await state('pending-job-age')).toEqual({ status: 'fail', notified_status: null });
      expect(await state('no-live-worker')).toEqual({ status: 'fail', notified_status: 'fail' });

      // 10 minutes later: nothing new. 4 hours later: one repeat of the cause, still folding them.
      await later(10);
      expect(outcome(await run())).toEqual({
        firing: [],
        repeated: [],
        resolved: [],
        explained: ['pending-job-age', 'submitted-without-sitemaps'],
      });
      expect(stub.delivered).toHaveLength(1);
      await later(240);
      const repeat = await run();
      expect(outcome(repeat)).toEqual({
        firing: [],
        repeated: ['no-live-worker'],
        resolved: [],
        explained: ['pending-job-age', 'submitted-without-sitemaps'],
      });
      expect(stub.delivered).toHaveLength(2);
      expect(sections(stub.delivered[1])).toHaveLength(1);
      expect(sections(stub.delivered[1])[0]).toContain('Also failing because of it: `pending-job-age`');
    });

    it('a pending-job-age failure with live workers posts on its own', async () => {
      await workerStarts(t.db);
      await addJobs(t.db, 2, { runAt: ago('20 minutes') });
      const r = await run();
      expect(r.checks.find((c) => c.name === 'pending-job-age')).toMatchObject({ status: 'fail', explainedBy: null });
      expect(outcome(r)).toEqual({ firing: ['pending-job-age'], repeated: [], resolved: [], explained: [] });
      expect(header(stub.delivered[0])).toBe('pipectl · test: 1 failing');
      const [only, ...rest] = sections(stub.delivered[0]);
      expect(rest).toEqual([]);
      expect(only).toMatch(/^:red_circle: \*pending-job-age\* · \*failing\*\n/);
      expect(only).not.toContain('Also failing because of it');
    });

    it('when the cause resolves first, the checks it explained are judged on their own and post', async () => {
      await replayIncident(t.db);
      await run();
      await later(30);
      await workerStarts(t.db);
      const second = await run();
      expect(outcome(second)).toEqual({
        firing: ['pending-job-age', 'submitted-without-sitemaps'],
        repeated: [],
        resolved: ['no-live-worker'],
        explained: [],
      });
      expect(stub.delivered).toHaveLength(2);
      expect(header(stub.delivered[1])).toBe('pipectl · test: 2 failing, 1 resolved');
      expect(sections(stub.delivered[1]).map((s) => s.split('\n')[0])).toEqual([
        ':red_circle: *pending-job-age* · *failing*',
        ':red_circle: *submitted-without-sitemaps* · *failing*',
        ':white_check_mark: *no-live-worker* · *resolved* after 30m of failing',
      ]);

      await workDone(t.db);
      const third = await run();
      expect(outcome(third)).toEqual({
        firing: [],
        repeated: [],
        resolved: ['pending-job-age', 'submitted-without-sitemaps'],
        explained: [],
      });
      expect(stub.delivered).toHaveLength(3);
    });

    it('when the checks it explains clear first, nothing posts for them; the cause then resolves alone', async () => {
      await replayIncident(t.db);
      await run();
      // WF4 recorded the domains' sitemaps some other way; the jobs are still pending, no worker.
      for (const { id } of await t.db.selectFrom('domains').select('id').execute()) {
        await addSitemapFile(t.db, id, ago('1 minute'));
      }
      const second = await run();
      expect(second.checks.find((c) => c.name === 'submitted-without-sitemaps')?.status).toBe('pass');
      expect(outcome(second)).toEqual({ firing: [], repeated: [], resolved: [], explained: ['pending-job-age'] });
      expect(stub.delivered).toHaveLength(1);

      await workDone(t.db);
      const third = await run();
      expect(outcome(third)).toEqual({ firing: [], repeated: [], resolved: ['no-live-worker'], explained: [] });
      expect(stub.delivered).toHaveLength(2);
      expect(sections(stub.delivered[1])).toHaveLength(1);
      expect(await state('pending-job-age')).toEqual({ status: 'pass', notified_status: null });
    });
  });
});
