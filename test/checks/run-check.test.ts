import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { beforeEach, describe, expect, it } from 'vitest';
import type { CheckDefinition } from '../../src/checks/check-definition.js';
import { parseChecksFile } from '../../src/checks/parse-checks-file.js';
import { runCheck } from '../../src/checks/run-check.js';
import { runCheckSuite } from '../../src/checks/run-check-suite.js';
import { runChecks } from '../../src/checks/run-checks.js';
import type { OpenedDatabase } from '../../src/db/open-database.js';
import type { Database } from '../../src/db/schema.js';
import { backends, useTestDatabase } from '../helpers/databases.js';
import { addDomain, addJobs, emptyTables } from '../helpers/rows.js';

/** Checks from YAML text, validated as `pipectl check` validates them. */
function checksFrom(yaml: string): CheckDefinition[] {
  return parseChecksFile(yaml, 'test.yml').checks;
}

/** A row check built by hand, bypassing validation: what the database alone must stop. */
function unvalidated(name: string, text: string): CheckDefinition {
  return {
    name,
    description: name,
    kind: 'row',
    severity: 'fail',
    sql: text,
    params: {},
    warn: undefined,
    fail: undefined,
    sampleRows: 5,
    timeoutMs: 10_000,
    runbook: undefined,
    owner: undefined,
  };
}

function writeChecksFile(yaml: string): string {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'pipectl-checks-')), 'checks.yml');
  writeFileSync(file, yaml);
  return file;
}

describe.each(backends)('running checks on $name', ({ name, skip }) => {
  describe.skipIf(skip)(name, () => {
    const t = useTestDatabase(name);
    const options = { enforcesTimeout: name === 'postgres', concurrency: name === 'postgres' ? 4 : 1 };
    const opened = (): OpenedDatabase => ({
      db: t.db,
      backend: name,
      location: name,
      migrated: [],
      close: async () => {},
    });
    beforeEach(async () => {
      await emptyTables(t.db);
    });

    const snapshot = async () => ({
      jobs: (await sql<{ status: string }>`select status from jobs order by job_id`.execute(t.db)).rows,
      domains: (await sql<{ n: number }>`select count(*)::int as n from domains`.execute(t.db)).rows,
    });

    describe('never changes data', () => {
      it.each([
        ['UPDATE', `update jobs set status = 'failed' returning job_id`],
        ['DELETE', 'delete from jobs returning job_id'],
        ['DROP', 'drop table jobs'],
        ['INSERT', `insert into domains (domain) values ('evil.example') returning id`],
        ['a second statement', `select 1; update jobs set status = 'failed'`],
      ])('a check that tries %s errors and changes nothing', async (_what, text) => {
        await addJobs(t.db, 3);
        await addDomain(t.db, 'complete');
        const before = await snapshot();
        const result = await runCheck(t.db, unvalidated('writer', text), options);
        expect(result.status).toBe('error');
        expect(result.error).toBeTruthy();
        expect(await snapshot()).toEqual(before);
      });

      it('a write hidden in a CTE passes validation but still changes nothing', async () => {
        await addJobs(t.db, 3);
        const before = await snapshot();
        const [check] = checksFrom(`checks:
  - name: sneaky
    description: Deletes while pretending to read.
    severity: fail
    sql: with gone as (delete from jobs returning job_id) select * from gone
`);
        const result = await runCheck(t.db, check as CheckDefinition, options);
        expect(result).toMatchObject({ status: 'error', violations: null });
        expect(await snapshot()).toEqual(before);
      });

      it('a function that writes is stopped by the read-only transaction', async () => {
        await sql`create or replace function pipectl_test_purge() returns bigint
          language sql as 'delete from jobs returning 1'`.execute(t.db);
        await addJobs(t.db, 3);
        const before = await snapshot();
        const [check] = checksFrom(`checks:
  - name: purge
    description: Calls a function that deletes.
    severity: fail
    sql: select pipectl_test_purge() as purged
`);
        const result = await runCheck(t.db, check as CheckDefinition, options);
        expect(result).toMatchObject({
          status: 'error',
          error:
            'tried to write (cannot execute DELETE in a read-only transaction): checks run read-only and must only read',
        });
        expect(await snapshot()).toEqual(before);
      });

      it('a large object write is an error and kept nowhere, even where READ ONLY lets it through', async () => {
        const result = await runCheck(
          t.db,
          unvalidated('large-object', `select lo_from_bytea(0, 'x'::bytea) as oid`),
          options,
        );
        // PostgreSQL 15 lets lo_from_bytea through READ ONLY (the rollback then discards it);
        // newer versions, PGlite's among them, refuse it outright.
        expect(result.status).toBe('error');
        expect(result.error).toMatch(
          /^(the check wrote to the database \(its transaction was rolled back, nothing was kept\) — a check must only read|tried to write \(cannot execute lo_from_bytea\(\) in a read-only transaction\): checks run read-only and must only read)$/,
        );
        const { rows } = await sql<{ n: number }>`select count(*)::int as n from pg_largeobject_metadata`.execute(t.db);
        expect(rows[0]?.n).toBe(0);
      });

      it('a volatile function that writes (nextval) is refused too', async () => {
        const result = await runCheck(
          t.db,
          unvalidated('seq', `select nextval(pg_get_serial_sequence('domains', 'id')) as id`),
          options,
        );
        expect(result.status).toBe('error');
        expect(result.error).toContain('read-only');
      });
    });

    it('a check that runs past its timeout is an error, never a pass', async () => {
      const [check] = checksFrom(`checks:
  - name: slow
    description: Sleeps.
    severity: warn
    timeout: 300ms
    sql: select pg_sleep(1) as slept
`);
      const result = await runCheck(t.db, check as CheckDefinition, options);
      expect(result.status).toBe('error');
      expect(result.error).toMatch(
        name === 'postgres'
          ? /^timed out after 300ms \(statement_timeout\)/
          : /^took 1\.\ds, longer than its 300ms timeout \(the embedded database cannot interrupt a query\)$/,
      );
    });

    it('a check that cannot run (a missing table) is an error', async () => {
      const result = await runCheck(t.db, unvalidated('typo', 'select * from jbos'), options);
      expect(result).toMatchObject({ status: 'error', error: 'relation "jbos" does not exist' });
    });

    it('a row check counts every row and keeps the first sample_rows, in the query order', async () => {
      const [check] = checksFrom(`checks:
  - name: seven
    description: Seven rows.
    severity: warn
    sample_rows: 3
    sql: select g as n, 'row ' || g as label from generate_series(7, 1, -1) g order by g desc;
`);
      const result = await runCheck(t.db, check as CheckDefinition, options);
      expect(result).toMatchObject({
        status: 'warn',
        violations: 7,
        value: null,
        sampleRows: [
          { n: 7, label: 'row 7' },
          { n: 6, label: 'row 6' },
          { n: 5, label: 'row 5' },
        ],
      });
    });

    it('binds every parameter type as data, never as SQL', async () => {
      await addDomain(t.db, 'queued');
      await addDomain(t.db, 'complete');
      const [check] = checksFrom(`checks:
  - name: typed
    description: Uses each type.
    severity: fail
    params:
      statuses: { type: list, default: [queued, error] }
      label: { type: text, default: "x'); drop table domains; --" }
      n: { type: integer, default: 2 }
      age: { type: interval, default: 1h }
    sql: |
      select d.domain, :label as label, :n + 1 as n_plus_one, now() - :age < now() as interval_ok
        from domains d
       where d.sitemap_analysis_status = any(:statuses)
`);
      const result = await runCheck(t.db, check as CheckDefinition, options);
      expect(result.error).toBeNull();
      expect(result.sampleRows).toEqual([
        { domain: expect.any(String), label: "x'); drop table domains; --", n_plus_one: 3, interval_ok: true },
      ]);
      expect(result.params).toEqual({
        statuses: ['queued', 'error'],
        label: "x'); drop table domains; --",
        n: 2,
        age: '1 hour',
      });
    });

    describe('metric checks', () => {
      const metric = (value: string, extra = '') =>
        checksFrom(`checks:
  - name: m
    description: A metric.
    warn: "> 10"
    fail: between 100 and 1000
    sql: ${value}
${extra}`)[0] as CheckDefinition;

      it.each([
        ['select 5 as value', 'pass', 5],
        ['select 10.5 as value', 'warn', 10.5],
        ['select 100 as value', 'fail', 100],
        ['select 1000 as value', 'fail', 1000],
        ['select 1001 as value', 'warn', 1001],
        [`select '42'::text as value`, 'warn', 42],
      ])('%s is %s', async (text, status, value) => {
        const result = await runCheck(t.db, metric(text), options);
        expect(result).toMatchObject({
          status,
          value,
          violations: null,
          threshold: 'warn > 10, fail between 100 and 1000',
        });
      });

      it.each([
        ['select 1 as value from generate_series(1, 2)', 'a metric check must return exactly one row; it returned 2'],
        ['select 1 as value where false', 'a metric check must return exactly one row; it returned 0'],
        ['select 1 as total', 'a metric check must return a column named value'],
        ['select null::int as value', 'returned a null value'],
        [`select 'many' as value`, 'value "many" is not a number'],
      ])('%s is an error: %s', async (text, error) => {
        expect(await runCheck(t.db, metric(text), options)).toMatchObject({ status: 'error', error, value: null });
      });
    });

    describe('a whole run (runCheckSuite)', () => {
      const file = writeChecksFile(`checks:
  - name: ok
    description: Passes.
    severity: fail
    sql: select 1 where false
  - name: soft
    description: Warns.
    severity: warn
    params:
      n: { type: integer, default: 1 }
    sql: select g from generate_series(1, :n) g
  - name: hard
    description: Fails when n > 0.
    severity: fail
    params:
      n: { type: integer, default: 0 }
    sql: select g from generate_series(1, :n) g
`);

      it('records every result in check_runs under one run id', async () => {
        const run = await runCheckSuite({ config: file, cwd: process.cwd(), openDatabase: async () => opened() });
        expect(run).toMatchObject({ status: 'warn', exitCode: 0, recorded: true, recordError: null });
        expect(run.counts).toEqual({ pass: 2, warn: 1, fail: 0, error: 0 });
        const rows = await t.db
          .selectFrom('check_runs')
          .select(['run_id', 'check_name', 'status', 'violations', 'value', 'error'])
          .orderBy('id')
          .execute();
        expect(rows).toEqual([
          { run_id: run.runId, check_name: 'ok', status: 'pass', violations: 0, value: null, error: null },
          { run_id: run.runId, check_name: 'soft', status: 'warn', violations: 1, value: null, error: null },
          { run_id: run.runId, check_name: 'hard', status: 'pass', violations: 0, value: null, error: null },
        ]);
      });

      it('exits 1 on a failure, and on a warning only with --fail-on warn', async () => {
        const base = { config: file, cwd: process.cwd(), openDatabase: async () => opened(), record: false };
        expect((await runCheckSuite({ ...base, failOn: 'warn' })).exitCode).toBe(1);
        const failing = await runCheckSuite({ ...base, params: ['hard.n=2'] });
        expect(failing).toMatchObject({ status: 'fail', exitCode: 1 });
        expect(failing.checks.find((c) => c.name === 'soft')?.params).toEqual({ n: 1 });
        expect(await t.db.selectFrom('check_runs').select('id').execute()).toEqual([]);
      });

      it('exits 2 when a check errors, whatever else failed', async () => {
        const run = await runCheckSuite({
          config: file,
          cwd: process.cwd(),
          params: ['n=-1'],
          openDatabase: async () => opened(),
        });
        // generate_series(1, -1) is empty: nothing fails. Now break one check outright.
        expect(run.status).toBe('pass');
        const broken = writeChecksFile(`checks:
  - { name: hard, description: Fails., severity: fail, sql: select 1 }
  - { name: broken, description: Errors., severity: warn, sql: select 1/0 }
`);
        const errored = await runCheckSuite({ config: broken, cwd: process.cwd(), openDatabase: async () => opened() });
        expect(errored).toMatchObject({
          status: 'error',
          exitCode: 2,
          counts: { pass: 0, warn: 0, fail: 1, error: 1 },
        });
        expect(errored.checks[1]?.error).toBe('division by zero');
      });

      it('refuses an unknown check or parameter before it opens the database', async () => {
        let opens = 0;
        const base = {
          config: file,
          cwd: process.cwd(),
          openDatabase: async () => {
            opens += 1;
            return opened();
          },
        };
        await expect(runCheckSuite({ ...base, only: ['nope'] })).rejects.toMatchObject({
          code: 'unknown_check',
          exitCode: 2,
        });
        await expect(runCheckSuite({ ...base, params: ['older_than=5m'] })).rejects.toMatchObject({
          code: 'invalid_param',
          message: expect.stringContaining('no check in'),
        });
        await expect(runCheckSuite({ ...base, params: ['ok.n=5'] })).rejects.toMatchObject({ code: 'invalid_param' });
        await expect(runCheckSuite({ ...base, params: ['n=lots'] })).rejects.toMatchObject({
          message: '--param n=lots: "lots" is not a whole number',
        });
        expect(opens).toBe(0);
      });

      it('runs only the selected checks', async () => {
        const run = await runCheckSuite({
          config: file,
          cwd: process.cwd(),
          only: ['soft', 'hard'],
          exclude: ['hard'],
          record: false,
          openDatabase: async () => opened(),
        });
        expect(run.checks.map((c) => c.name)).toEqual(['soft']);
      });
    });

    it.skipIf(name !== 'postgres')('runs checks concurrently on a server, in a bounded pool', async () => {
      const sleeper = (n: number) =>
        checksFrom(`checks:
  - { name: sleep-${n}, description: Sleeps., severity: warn, sql: select 1 from pg_sleep(0.4) where random() < 0 }
`)[0] as CheckDefinition;
      const started = performance.now();
      const results = await runChecks(t.db, [1, 2, 3, 4].map(sleeper), { enforcesTimeout: true, concurrency: 4 });
      const elapsed = performance.now() - started;
      expect(results.map((r) => r.status)).toEqual(['pass', 'pass', 'pass', 'pass']);
      // One by one would take 1.6 s; four at once take one sleep.
      expect(elapsed).toBeLessThan(1200);
    });

    it.skipIf(name !== 'postgres')(
      'reports, rather than hides, results it cannot record (a read-only replica), exiting 2',
      async () => {
        const replica = new Kysely<Database>({
          dialect: new PostgresDialect({
            pool: new pg.Pool({ connectionString: t.url, max: 2, options: '-c default_transaction_read_only=on' }),
          }),
        });
        try {
          const file = writeChecksFile(`checks:
  - { name: ok, description: Passes., severity: fail, sql: select 1 where false }
`);
          const openReplica = async (): Promise<OpenedDatabase> => ({ ...opened(), db: replica });
          const run = await runCheckSuite({ config: file, cwd: process.cwd(), openDatabase: openReplica });
          expect(run).toMatchObject({ status: 'pass', exitCode: 2, recorded: false });
          expect(run.recordError).toMatch(/^could not record the results in check_runs: .*read-only.* --no-record/);
          const unrecorded = await runCheckSuite({
            config: file,
            cwd: process.cwd(),
            record: false,
            openDatabase: openReplica,
          });
          expect(unrecorded).toMatchObject({ status: 'pass', exitCode: 0, recorded: false, recordError: null });
        } finally {
          await replica.destroy();
        }
      },
    );
  });
});
