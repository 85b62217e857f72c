import { describe, expect, it } from 'vitest';
import type { ChecksConfigError } from '../../src/checks/checks-config-error.js';
import { loadChecksFile } from '../../src/checks/load-checks-file.js';
import { parseChecksFile } from '../../src/checks/parse-checks-file.js';
import { shippedChecksPath } from '../../src/checks/resolve-checks-path.js';
import { problemsOf } from './problems-of.js';

const valid = `checks:
  - name: old-jobs
    description: Jobs waiting too long.
    severity: fail
    params:
      older_than: { type: interval, default: 15m }
    sql: |
      select job_id from jobs
       where status = 'pending' and run_at < now() - :older_than
`;

describe('parseChecksFile', () => {
  it('returns normalised checks with the defaults filled in', () => {
    const file = parseChecksFile(valid, 'checks.yml');
    expect(file.checks).toEqual([
      expect.objectContaining({
        name: 'old-jobs',
        kind: 'row',
        severity: 'fail',
        params: { older_than: { type: 'interval', value: '15 minutes', description: undefined } },
        sampleRows: 5,
        timeoutMs: 10_000,
        warn: undefined,
        fail: undefined,
      }),
    ]);
  });

  it('takes timeout and sample_rows from the file defaults, and lets a check override them', () => {
    const file = parseChecksFile(
      `defaults: { timeout: 30s, sample_rows: 2 }
checks:
  - { name: a, description: A., severity: warn, sql: select 1 }
  - { name: b, description: B., severity: warn, sql: select 1, timeout: 500ms, sample_rows: 0 }
`,
      'f.yml',
    );
    expect(file.checks.map((c) => [c.timeoutMs, c.sampleRows])).toEqual([
      [30_000, 2],
      [500, 0],
    ]);
  });

  it('reads a metric check, its severity coming from its conditions', () => {
    const file = parseChecksFile(
      `checks:
  - name: queue-depth
    description: Pending jobs.
    sql: select count(*) as value from jobs where status = 'pending'
    warn: "> 100"
    fail: between 500 and 1000000
`,
      'f.yml',
    );
    expect(file.checks[0]).toMatchObject({
      kind: 'metric',
      severity: 'fail',
      warn: { op: '>', limit: 100 },
      fail: { op: 'between', low: 500, high: 1_000_000 },
    });
  });

  it('loads the shipped checks.yml: the eight default checks of design §6, worker-heartbeat-late and the three trend checks, all documented', async () => {
    const file = await loadChecksFile(shippedChecksPath, process.cwd());
    expect(file.checks.map((c) => [c.name, c.severity])).toEqual([
      ['pending-job-age', 'fail'],
      ['submitted-without-sitemaps', 'fail'],
      ['zero-pages-in-window', 'fail'],
      ['running-lease-expired', 'fail'],
      ['no-live-worker', 'fail'],
      ['worker-heartbeat-late', 'warn'],
      ['queued-domain-age', 'fail'],
      ['job-failure-rate', 'warn'],
      ['contact-scan-stalled', 'warn'],
      ['page-rate-drop', 'fail'],
      ['contact-rate-drop', 'warn'],
      ['sitemap-rate-drop', 'warn'],
    ]);
    for (const check of file.checks) {
      expect(check.description.length, check.name).toBeGreaterThan(80);
      expect(check.runbook?.length, check.name).toBeGreaterThan(80);
    }
  });

  describe('reports every problem with its line and column', () => {
    it('invalid YAML', () => {
      expect(problemsOf('checks:\n  - name: [unclosed\n')).toEqual([
        'checks.yml:3:1: invalid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]',
      ]);
      expect(problemsOf('checks:\n  - name: a\n    name: b\n')).toEqual([
        'checks.yml:3:5: invalid YAML: duplicate key "name" in one map',
      ]);
    });

    it('every duplicate key, in any map, at the repeated key; 1 and "1" are different keys', () => {
      expect(
        problemsOf('checks:\n  - name: a\n    sql: select 1\n    name: b\nparams: {x: 1, "1": 2, 1: 3, x: 4}\n'),
      ).toEqual([
        'checks.yml:4:5: invalid YAML: duplicate key "name" in one map',
        'checks.yml:5:30: invalid YAML: duplicate key "x" in one map',
      ]);
    });

    it('a list, a map or an alias as a key', () => {
      expect(problemsOf('checks: []\n? [a, b]\n: 1\n? {c: d}\n: 2\nx: &x y\n*x : 3\n')).toEqual([
        'checks.yml:2:3: invalid YAML: a key must be a plain value, not a list or a map',
        'checks.yml:4:3: invalid YAML: a key must be a plain value, not a list or a map',
        'checks.yml:7:1: invalid YAML: a key must be a plain value, not an alias',
      ]);
    });

    it('finds duplicate keys in linear time: 60,000 keys in one map', () => {
      // The YAML library's own check compared each key with every earlier one: 11.8 s for 40,000.
      const text = `checks: []\n${Array.from({ length: 60_000 }, (_, i) => `k${i}: v`).join('\n')}\nk7: again\n`;
      const started = performance.now();
      expect(problemsOf(text)).toEqual(['checks.yml:60002:1: invalid YAML: duplicate key "k7" in one map']);
      expect(performance.now() - started).toBeLessThan(3000);
    });

    it('YAML the library throws on (unresolved or exploding aliases) is a located config error too', () => {
      const unresolved = problemsOf('checks: *missing\n');
      expect(unresolved).toHaveLength(1);
      expect(unresolved[0]).toMatch(/^checks\.yml:\d+:\d+: invalid YAML: /);
      const lol = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
      for (let i = 1; i < 12; i++)
        lol.push(
          `${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10)
            .fill(`*${String.fromCharCode(96 + i)}`)
            .join(', ')}]`,
        );
      const bomb = problemsOf(`${lol.join('\n')}\nchecks: *l\n`);
      expect(bomb).toHaveLength(1);
      expect(bomb[0]).toMatch(/^checks\.yml:\d+:\d+: invalid YAML: /);
    });

    it('an empty file', () => {
      expect(problemsOf('# nothing here\n')).toEqual(['checks.yml:1:1: the file is empty: it needs a `checks:` list']);
    });

    it('unknown keys, at the key, naming the allowed ones', () => {
      const source = valid
        .replace('    severity: fail\n', '    sevrity: fail\n')
        .replace('checks:', 'check_list: []\nchecks:');
      expect(problemsOf(source)).toEqual([
        'checks.yml:1:1: checks file: unknown key "check_list" (allowed: namespace, defaults, checks)',
        // The misspelt key leaves the check without a severity: both are said at once.
        'checks.yml:3:5: check "old-jobs" severity: is required for a row check: warn or fail',
        'checks.yml:5:5: check "old-jobs": unknown key "sevrity" (allowed: name, description, kind, severity, sql, params, warn, fail, min_baseline, inhibits, sample_rows, timeout, runbook, owner, repeat_interval, notify_on_warn, slack_mention)',
      ]);
    });

    it('a missing required key, at the check that lacks it', () => {
      expect(problemsOf('checks:\n  - name: a\n    severity: warn\n    sql: select 1\n')).toEqual([
        'checks.yml:2:5: check "a" description: is required',
      ]);
    });

    it('bad values: severity, name, duration, condition, param type and default', () => {
      const source = `checks:
  - name: Bad_Name
    description: x
    severity: critical
    sql: select 1
  - name: m
    description: x
    kind: metric
    timeout: soon
    warn: more than 5
    sql: select 1 as value
  - name: p
    description: x
    severity: warn
    params:
      n: { type: number, default: 1 }
      w: { type: interval, default: 15 }
    sql: select :n, :w
`;
      expect(problemsOf(source)).toEqual([
        'checks.yml:2:11: check "Bad_Name" name: must be kebab-case, such as pending-job-age',
        'checks.yml:4:15: check "Bad_Name" severity: must be warn or fail',
        'checks.yml:9:14: check "m" timeout: "soon" is not a duration: write 10s, 5m, 1h, 2d or a PostgreSQL interval such as "15 minutes"',
        'checks.yml:10:11: check "m" warn: "more than 5" is not a condition: write > n, >= n, < n, <= n, == n, != n, "between a and b", or relative to the baseline: "< 20% of baseline", "between 50% and 200% of baseline"',
        'checks.yml:16:18: check "p" params.n.type: must be interval, integer, text or list',
        // A later-stage problem, found in the same pass although the file has schema problems.
        'checks.yml:17:37: check "p" params.w.default: an interval parameter needs a duration such as 15m',
      ]);
    });

    it('schema problems and later-stage problems together, in one pass', () => {
      const source = `defaults:
  repeat_interval: 30s
checks:
  - name: Bad_Name
    description: x
    severity: fatal
    slack_mention: "@here"
    params:
      n: { type: integer, default: lots }
      unused: { type: text, default: x }
    sql: select :n
  - name: ok-but-not
    description: x
    severity: warn
    timeout: 1mon
    repeat_interval: 10s
    sql: select 1
`;
      expect(problemsOf(source)).toEqual([
        'checks.yml:2:20: defaults.repeat_interval: must be at least 1m, in minutes, hours or days (such as 4h)',
        'checks.yml:4:11: check "Bad_Name" name: must be kebab-case, such as pending-job-age',
        'checks.yml:6:15: check "Bad_Name" severity: must be warn or fail',
        'checks.yml:7:20: check "Bad_Name" slack_mention: must be a Slack user ID (U… or W…) or user-group ID (S…), such as U024BE7LH: copy it from the profile or group in Slack',
        'checks.yml:9:36: check "Bad_Name" params.n.default: "lots" is not a whole number',
        'checks.yml:10:7: check "Bad_Name" params.unused: is declared but the SQL never uses :unused',
        'checks.yml:15:14: check "ok-but-not" timeout: must be a positive duration in ms, seconds, minutes, hours or days',
        'checks.yml:16:22: check "ok-but-not" repeat_interval: must be at least 1m, in minutes, hours or days (such as 4h)',
      ]);
    });

    it('a bad defaults.timeout once, at the defaults: line, not at every check', () => {
      const source = `defaults:
  timeout: 0s
checks:
  - { name: a, description: x, severity: warn, sql: select 1 }
  - { name: b, description: x, severity: warn, sql: select 1 }
  - { name: c, description: x, severity: warn, sql: select 1, timeout: 0s }
`;
      expect(problemsOf(source)).toEqual([
        'checks.yml:2:12: defaults.timeout: must be a positive duration in ms, seconds, minutes, hours or days',
        'checks.yml:6:72: check "c" timeout: must be a positive duration in ms, seconds, minutes, hours or days',
      ]);
    });

    it.each([
      [
        'a default that does not fit its declared type',
        valid.replace('default: 15m', 'default: 15'),
        'checks.yml:6:46: check "old-jobs" params.older_than.default: an interval parameter needs a duration such as 15m',
      ],
      [
        'duplicate names, at the second one',
        `${valid}  - name: old-jobs\n    description: again\n    severity: warn\n    sql: select 1\n`,
        'checks.yml:10:11: check "old-jobs" name: duplicate name: line 2 already uses it',
      ],
      [
        'a :param the SQL uses but does not declare, at the placeholder',
        valid.replace("status = 'pending'", 'status = :status'),
        'checks.yml:9:23: check "old-jobs" sql: uses :status but does not declare it under params',
      ],
      [
        'a param declared but never used, at its name',
        valid.replace('      older_than:', '      unused: { type: text, default: x }\n      older_than:'),
        'checks.yml:6:7: check "old-jobs" params.unused: is declared but the SQL never uses :unused',
      ],
    ])('%s', (_case, source, problem) => {
      expect(problemsOf(source)).toEqual([problem]);
    });

    it('SQL that is not one read-only query', () => {
      const source = `checks:
  - name: a
    description: x
    severity: fail
    sql: UPDATE jobs SET status = 'failed'
  - name: b
    description: x
    severity: fail
    sql: |
      select 1;
      delete from jobs
  - name: c
    description: x
    severity: fail
    sql: select $1
`;
      expect(problemsOf(source)).toEqual([
        'checks.yml:5:10: check "a" sql: must be one read-only query (SELECT, WITH, VALUES or TABLE), not UPDATE: checks never change data',
        'checks.yml:10:15: check "b" sql: must be a single statement: remove the second one',
        'checks.yml:15:17: check "c" sql: uses a positional $n parameter: declare a named one under params and write :name',
      ]);
    });

    it('conditions on a row check, severity on a metric check, a metric check without conditions', () => {
      const source = `checks:
  - name: a
    description: x
    kind: row
    severity: fail
    fail: "> 1"
    sql: select 1
  - name: b
    description: x
    severity: fail
    fail: "> 1"
    sql: select 1 as value
  - name: c
    description: x
    kind: metric
    sql: select 1 as value
`;
      expect(problemsOf(source)).toEqual([
        'checks.yml:6:5: check "a" fail: warn and fail conditions belong to metric checks (kind: metric)',
        'checks.yml:10:5: check "b" severity: a metric check takes its severity from its warn and fail conditions: remove it',
        'checks.yml:15:11: check "c" kind: a metric check needs a warn or a fail condition, such as fail: "> 100"',
      ]);
    });
  });

  it('says in one line what is wrong and how many more problems there are', () => {
    const err = (() => {
      try {
        parseChecksFile('checks:\n  - name: a\n  - name: b\n', 'x.yml');
      } catch (e) {
        return e as ChecksConfigError;
      }
    })();
    expect(err?.exitCode).toBe(2);
    expect(err?.message).toMatch(
      /^x\.yml:2:5: check "a" description: is required \(and \d+ more problems: run `pipectl checks validate`\)$/,
    );
  });
});
