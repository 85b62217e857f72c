import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Kysely, sql } from 'kysely';
import { beforeEach, describe, expect, it } from 'vitest';
import type { CheckRun } from '../../src/checks/check-result.js';
import type { Database } from '../../src/db/schema.js';
import { runCli } from '../helpers/cli.js';
import { backends } from '../helpers/databases.js';
import { addDomain, addPage, addSitemapFile, ago, emptyTables } from '../helpers/rows.js';
import { useCliDatabase } from './cli-database.js';

// These tests run the built CLI (`npm run build` first), as cron and CI do.

const tempDir = () => mkdtempSync(path.join(os.tmpdir(), 'pipectl-check-cli-'));

function writeFile(name: string, text: string): string {
  const file = path.join(tempDir(), name);
  writeFileSync(file, text);
  return file;
}

/**
 * The incident of 2025-11-17, replayed: 18 domains submitted, each with one sitemap job created
 * pending over 13 minutes, the newest 20 minutes ago; no worker heartbeat, not one sitemap file,
 * and no page for a day (yesterday's work finished normally).
 */
async function replayIncident(db: Kysely<Database>): Promise<void> {
  const yesterday = await addDomain(db, 'complete', ago('1 day 2 hours'));
  const file = await addSitemapFile(db, yesterday, ago('1 day 1 hour'));
  await addPage(db, yesterday, ago('1 day 1 hour'));
  await db
    .updateTable('pages')
    .set({ sitemap_file_id: file, scanned_at: ago('1 day') })
    .execute();
  await sql`
    with submitted as (
      insert into domains (domain, sitemap_analysis_status, created_at, updated_at)
      select 'clinic-' || i || '.example', 'submitted', t, t
        from generate_series(0, 17) as i,
             lateral (select now() - interval '20 minutes' - (17 - i) * interval '13 minutes' / 17 as t) as at
      returning id, created_at
    )
    insert into jobs (job_type, status, domain_id, created_at, run_at, updated_at)
    select 'sitemap', 'pending', id, created_at, created_at, created_at from submitted`.execute(db);
}

/** The work done: jobs complete, sitemaps and pages present, a worker alive. */
async function repair(db: Kysely<Database>): Promise<void> {
  await sql`update jobs set status = 'complete', started_at = now() - interval '3 minutes',
    finished_at = now() - interval '2 minutes', attempts = 1 where status = 'pending'`.execute(db);
  await sql`update domains set sitemap_analysis_status = 'complete' where sitemap_analysis_status = 'submitted'`.execute(
    db,
  );
  await sql`insert into sitemap_files (domain_id, url, kind, url_count, created_at)
    select id, 'https://' || domain || '/sitemap.xml', 'urlset', 3, now() - interval '2 minutes'
      from domains where domain like 'clinic-%'`.execute(db);
  await sql`insert into pages (domain_id, sitemap_file_id, url, created_at)
    select sf.domain_id, sf.id, sf.url || '#page', now() - interval '1 minute' from sitemap_files sf
     where sf.url like 'https://clinic-%'`.execute(db);
  await sql`insert into workers (worker_id, hostname, pid, version, heartbeat_at)
    values ('worker-a', 'host-a', 4242, '0.1.0', now() - interval '10 seconds')`.execute(db);
}

const failing = (run: CheckRun) =>
  run.checks
    .filter((c) => c.status !== 'pass')
    .map((c) => `${c.name}:${c.status}`)
    .sort();

describe.each(backends)('pipectl check on $name', ({ name, skip }) => {
  // Each CLI run on PGlite loads the embedded database from disk: allow for several per test.
  describe.skipIf(skip)(name, { timeout: 120_000 }, () => {
    const cli = useCliDatabase(name);
    const check = (args: string[] = []) => runCli(['check', ...args], { env: cli.env });
    beforeEach(async () => {
      await cli.use(emptyTables);
    });

    it('passes on an empty database, exit 0', async () => {
      const r = await check();
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^pipectl check: pass \(12 checks from .*checks\.yml, /);
      expect(r.stdout).toContain('12 pass, 0 warn, 0 fail, 0 error; exit 0');
      // The trend checks have no history to compare with, and say so.
      expect(r.stdout).toContain('pass page-rate-drop: insufficient history: baseline 0 is below min_baseline 50');
    });

    it('catches the incident replay (exit 1), and passes once the work is done (exit 0)', async () => {
      await cli.use(replayIncident);

      const table = await check();
      expect(table.code).toBe(1);
      for (const fired of ['pending-job-age', 'submitted-without-sitemaps', 'no-live-worker']) {
        expect(table.stdout).toMatch(new RegExp(`│ fail +│ ${fired} `));
      }
      expect(table.stdout).toContain('fail pending-job-age: 18 rows — explained by `no-live-worker`');
      expect(table.stdout).toContain('fail submitted-without-sitemaps: ');
      // One cause for the three failures, in the last line.
      expect(table.stdout.trimEnd().split('\n').at(-1)).toBe(
        '3 failing; probable cause: no worker is running (`no-live-worker`)',
      );

      const json = await check(['--json']);
      expect(json.code).toBe(1);
      const run = JSON.parse(json.stdout) as CheckRun;
      expect(failing(run)).toEqual(['no-live-worker:fail', 'pending-job-age:fail', 'submitted-without-sitemaps:fail']);
      expect(run.checks.filter((c) => c.explainedBy !== null).map((c) => [c.name, c.explainedBy])).toEqual([
        ['pending-job-age', 'no-live-worker'],
        ['submitted-without-sitemaps', 'no-live-worker'],
      ]);
      expect(run.checks.find((c) => c.name === 'no-live-worker')?.sampleRows).toEqual([
        expect.objectContaining({ last_heartbeat_at: null, oldest_queued_domain_at: null }),
      ]);
      // Submitted 20 to 33 minutes ago: only those past 30 minutes count as stuck.
      const stuck = run.checks.find((c) => c.name === 'submitted-without-sitemaps');
      expect(stuck?.violations).toBeGreaterThanOrEqual(3);
      expect(stuck?.violations).toBeLessThan(18);

      await cli.use(repair);
      const after = await check(['--json']);
      expect(failing(JSON.parse(after.stdout) as CheckRun)).toEqual([]);
      expect(after.code).toBe(0);

      const recorded = await cli.use((db) =>
        db
          .selectFrom('check_runs')
          .select(['run_id', (eb) => eb.fn.countAll<number>().as('n')])
          .groupBy('run_id')
          .execute(),
      );
      expect(recorded.map((r) => Number(r.n))).toEqual([12, 12, 12]);
    });

    it('lets --param move a threshold and --only narrow the run', async () => {
      await cli.use(replayIncident);
      const r = await check([
        '--only',
        'pending-job-age,no-live-worker',
        '--param',
        'pending-job-age.older_than=1h',
        '--json',
      ]);
      expect(r.code).toBe(1);
      expect(failing(JSON.parse(r.stdout) as CheckRun)).toEqual(['no-live-worker:fail']);
    });

    it('exits 0 on a warning, and 1 with --fail-on warn', async () => {
      await cli.use(async (db) => {
        const id = await addDomain(db, 'complete', ago('1 day'));
        await addPage(db, id, ago('7 hours'), 'pending');
      });
      const lenient = await check();
      expect(lenient.code).toBe(0);
      expect(lenient.stdout).toContain('warn contact-scan-stalled: 1 row');
      const strict = await check(['--fail-on', 'warn']);
      expect(strict.code).toBe(1);
      expect(strict.stdout).toContain('exit 1 (--fail-on warn)');
    });

    it('refuses a check that writes, and changes nothing (exit 2)', async () => {
      await cli.use(replayIncident);
      const config = writeFile(
        'writes.yml',
        `checks:
  - name: fix-it-myself
    description: Tries to repair instead of report.
    severity: fail
    sql: UPDATE jobs SET status = 'complete'
`,
      );
      const r = await check(['--config', config]);
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toContain(
        ':5:10: check "fix-it-myself" sql: must be one read-only query (SELECT, WITH, VALUES or TABLE), not UPDATE',
      );
      const pending = await cli.use((db) =>
        db.selectFrom('jobs').select('job_id').where('status', '=', 'pending').execute(),
      );
      expect(pending).toHaveLength(18);
    });

    it('reports a check that runs past its timeout as an error (exit 2)', async () => {
      const config = writeFile(
        'slow.yml',
        `checks:
  - { name: fine, description: Passes., severity: fail, sql: select 1 where false }
  - { name: slow, description: Sleeps past its timeout., severity: fail, timeout: 200ms, sql: select pg_sleep(1) as slept }
`,
      );
      const r = await check(['--config', config, '--json']);
      expect(r.code).toBe(2);
      const run = JSON.parse(r.stdout) as CheckRun;
      expect(run.checks.map((c) => [c.name, c.status])).toEqual([
        ['fine', 'pass'],
        ['slow', 'error'],
      ]);
      expect(run.checks[1]?.error).toMatch(/timed out after 200ms|longer than its 200ms timeout/);
    });

    it('writes JUnit and Prometheus reports to files, printing a summary line', async () => {
      await cli.use(replayIncident);
      const dir = tempDir();
      const junit = await check(['--format', 'junit', '--output', path.join(dir, 'checks.xml')]);
      expect(junit.code).toBe(1);
      expect(junit.stdout).toBe(
        `pipectl check: fail (9 pass, 0 warn, 3 fail, 0 error); junit report written to ${path.join(dir, 'checks.xml')}\n`,
      );
      const xml = readFileSync(path.join(dir, 'checks.xml'), 'utf8');
      expect(xml.match(/<testcase /g)).toHaveLength(12);
      // Explained failures still fail: the report agrees with the exit code.
      expect(xml.match(/<failure /g)).toHaveLength(3);
      expect(xml).toContain('<testcase classname="pipectl.check" name="pending-job-age"');
      expect(xml).toMatch(
        /<failure type="fail" message="fail: 18 rows \(threshold: any row\), explained by `no-live-worker`">/,
      );

      const prom = await check(['--format', 'prometheus', '--output', path.join(dir, 'pipectl.prom')]);
      expect(prom.code).toBe(1);
      const text = readFileSync(path.join(dir, 'pipectl.prom'), 'utf8');
      expect(text).toContain('pipectl_check_status{check="pending-job-age"} 2');
      expect(text).toContain('pipectl_check_violations{check="pending-job-age"} 18');
      expect(text).toContain('pipectl_check_explained{check="pending-job-age",explained_by="no-live-worker"} 1');
      expect(text).toMatch(/pipectl_check_duration_seconds\{check="no-live-worker"\} [\d.e-]+/);
    });

    it('prints --format json as the same document as --json', async () => {
      const formatted = JSON.parse((await check(['--format', 'json'])).stdout) as CheckRun;
      const flagged = JSON.parse((await check(['--json'])).stdout) as CheckRun;
      expect(Object.keys(formatted)).toEqual(Object.keys(flagged));
      expect(formatted.checks.map((c) => c.name)).toEqual(flagged.checks.map((c) => c.name));
    });
  });
});

describe('pipectl check and checks, whatever the database', { timeout: 60_000 }, () => {
  it('refuses an --output that is a directory before running a check, leaving no file behind', async () => {
    const dir = tempDir();
    mkdirSync(path.join(dir, 'ck'));
    const r = await runCli(['check', '--output', path.join(dir, 'ck')], {
      env: {
        DATABASE_URL: 'postgres://postgres@127.0.0.1:1/x',
      },
    });
    expect([r.code, r.stdout, r.stderr]).toEqual([
      2,
      '',
      `pipectl: --output ${path.join(dir, 'ck')} is a directory: name a file, such as ${path.join(dir, 'ck', 'checks.xml')}\n`,
    ]);
    expect(readdirSync(dir)).toEqual(['ck']);
  });

  it('refuses an empty --slack-webhook instead of posting to SLACK_WEBHOOK_URL', async () => {
    const r = await runCli(['check', '--slack', '--slack-webhook', ''], {
      env: {
        DATABASE_URL: 'postgres://postgres@127.0.0.1:1/x',
        SLACK_WEBHOOK_URL: 'http://127.0.0.1:1/services/T0/B0/from-the-environment',
      },
    });
    expect([r.code, r.stdout, r.stderr]).toEqual([
      2,
      '',
      'pipectl: --slack-webhook is empty: give the incoming-webhook URL, or leave the flag out to use SLACK_WEBHOOK_URL\n',
    ]);
  });

  it('refuses a selection that runs nothing: --only and --exclude of the same check', async () => {
    const r = await runCli(['check', '--only', 'pending-job-age', '--exclude', 'pending-job-age', '--json'], {
      env: {
        DATABASE_URL: 'postgres://postgres@127.0.0.1:1/x',
      },
    });
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout)).toMatchObject({ error: { code: 'no_checks_selected', exitCode: 2 } });
    expect(r.stderr).toMatch(/^pipectl: no checks selected: /);
  });

  it('exits 2 on invalid YAML with a one-line reason and no stack trace', async () => {
    const config = writeFile('broken.yml', 'checks:\n  - name: a\n    sql: [select 1\n');
    const r = await runCli(['check', '--config', config], {
      env: { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/x' },
    });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^pipectl: .*broken\.yml:4:1: invalid YAML: /);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('exits 2 when the database is unreachable, in one line without a stack trace', async () => {
    const r = await runCli(['check'], { env: { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/pipectl' } });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      'pipectl: cannot connect to 127.0.0.1:1: connection refused — is PostgreSQL running? set DATABASE_URL\n',
    );
  });

  it('exits 2 for a --config that does not exist, an unknown check or an undeclared --param', async () => {
    const unreachable = { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/pipectl' };
    const missing = await runCli(['check', '--config', '/nonexistent/checks.yml'], { env: unreachable });
    expect([missing.code, missing.stderr]).toEqual([
      2,
      'pipectl: cannot read the checks file /nonexistent/checks.yml: no such file — check --config\n',
    ]);
    const unknown = await runCli(['check', '--only', 'pending-job-agee'], { env: unreachable });
    expect([unknown.code, unknown.stderr]).toEqual([
      2,
      'pipectl: checks.yml has no check named "pending-job-agee" — see `pipectl checks list`\n',
    ]);
    const param = await runCli(['check', '--param', 'olderthan=5m'], { env: unreachable });
    expect(param.code).toBe(2);
    expect(param.stderr).toBe(
      'pipectl: --param olderthan=5m: no check in checks.yml declares a parameter "olderthan"\n',
    );
  });

  it('validates the shipped checks file (exit 0) and lists every problem of a bad one (exit 2)', async () => {
    const ok = await runCli(['checks', 'validate']);
    expect([ok.code, ok.stdout]).toEqual([0, 'checks.yml: valid, 12 checks.\n']);

    const config = writeFile(
      'bad.yml',
      `checks:
  - name: a
    description: x
    severity: fatal
    sql: select 1
  - name: b
    description: y
    severity: warn
    sql: select :undeclared
`,
    );
    const bad = await runCli(['checks', 'validate', '--config', config]);
    expect(bad.code).toBe(2);
    expect(bad.stdout).toBe(
      `${config}:4:15: check "a" severity: must be warn or fail\n${config}:9:17: check "b" sql: uses :undeclared but does not declare it under params\n${config}: 2 problems.\n`,
    );
    const json = await runCli(['checks', 'validate', '--config', config, '--json']);
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout)).toEqual({
      config,
      valid: false,
      checks: 0,
      problems: [
        { file: config, line: 4, column: 15, message: 'check "a" severity: must be warn or fail' },
        {
          file: config,
          line: 9,
          column: 17,
          message: 'check "b" sql: uses :undeclared but does not declare it under params',
        },
      ],
    });
  });

  it('refuses an inhibits: cycle and an unknown name in checks validate (exit 2), at line and column', async () => {
    const config = writeFile(
      'cycle.yml',
      `checks:
  - name: a
    description: x
    severity: fail
    inhibits: [b]
    sql: select 1
  - name: b
    description: y
    severity: fail
    inhibits: [a, nosuch]
    sql: select 1
`,
    );
    const r = await runCli(['checks', 'validate', '--config', config]);
    expect([r.code, r.stderr]).toEqual([2, '']);
    expect(r.stdout).toBe(
      `${config}:10:16: check "b" inhibits.0: makes a cycle (a → b → a): a check cannot be explained by one it explains\n` +
        `${config}:10:19: check "b" inhibits.1: "nosuch" is not a check in this file\n${config}: 2 problems.\n`,
    );
    // check refuses to run it, in one line.
    const run = await runCli(['check', '--config', config]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /^pipectl: .*cycle\.yml:10:16: check "b" inhibits\.0: makes a cycle .* \(and 1 more problem: run `pipectl checks validate`\)\n$/,
    );
  });

  it('lists the checks with their parameters', async () => {
    const r = await runCli(['checks', 'list']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^12 checks in checks\.yml\n/);
    expect(r.stdout).toMatch(/│ pending-job-age +│ fail +│ any row +│ older_than=15 minutes/);
    expect(r.stdout).toMatch(/│ Explains: pending-job-age, submitted-without-sitemaps,/);
    expect(r.stdout).toMatch(/│ page-rate-drop +│ fail +│ fail < 20% of baseline, min_baseline 50 +│ window=1 hour/);
    const json = JSON.parse((await runCli(['checks', 'list', '--json'])).stdout) as { checks: { name: string }[] };
    expect(json.checks.map((c) => c.name)).toContain('no-live-worker');
  });

  it('uses ./checks.yml when present, else the file shipped with pipectl', async () => {
    const elsewhere = tempDir();
    const shipped = await runCli(['checks', 'list', '--json'], { cwd: elsewhere });
    expect(shipped.code).toBe(0);
    expect(JSON.parse(shipped.stdout).config).toBe(path.resolve('checks.yml'));

    writeFileSync(
      path.join(elsewhere, 'checks.yml'),
      'checks:\n  - { name: local-only, description: Mine., severity: warn, sql: select 1 where false }\n',
    );
    const local = await runCli(['checks', 'list', '--json'], { cwd: elsewhere });
    expect(JSON.parse(local.stdout)).toMatchObject({ config: 'checks.yml', checks: [{ name: 'local-only' }] });
  });
});
