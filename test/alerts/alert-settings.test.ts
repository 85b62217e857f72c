import { describe, expect, it } from 'vitest';
import { alertDefaults } from '../../src/checks/check-definition.js';
import { loadChecksFile } from '../../src/checks/load-checks-file.js';
import { parseChecksFile } from '../../src/checks/parse-checks-file.js';
import { shippedChecksPath } from '../../src/checks/resolve-checks-path.js';
import { problemsOf } from '../checks/problems-of.js';

// The alerting keys of checks.yml: repeat_interval, notify_on_warn and slack_mention, per check
// and under defaults:, validated with line and column like every other key.

describe('alert settings in checks.yml', () => {
  it('default to a 4 h repeat, no warnings, no mention', () => {
    const file = parseChecksFile('checks:\n  - { name: a, description: A., severity: fail, sql: select 1 }\n', 'f.yml');
    expect(file.checks[0]?.alert).toEqual({
      repeatIntervalMs: 4 * 3_600_000,
      notifyOnWarn: false,
      slackMention: undefined,
    });
    expect(alertDefaults.repeatIntervalMs).toBe(14_400_000);
  });

  it('come from defaults:, and a check overrides them', () => {
    const file = parseChecksFile(
      `defaults: { repeat_interval: 1h, notify_on_warn: true, slack_mention: S0614TZR7 }
checks:
  - { name: a, description: A., severity: warn, sql: select 1 }
  - name: b
    description: B.
    severity: warn
    sql: select 1
    repeat_interval: 15 minutes
    notify_on_warn: false
    slack_mention: U024BE7LH
`,
      'f.yml',
    );
    expect(file.checks.map((c) => c.alert)).toEqual([
      { repeatIntervalMs: 3_600_000, notifyOnWarn: true, slackMention: 'S0614TZR7' },
      { repeatIntervalMs: 900_000, notifyOnWarn: false, slackMention: 'U024BE7LH' },
    ]);
  });

  it('are validated with file, line and column: types first', () => {
    expect(
      problemsOf(`checks:
  - name: a
    description: A.
    severity: fail
    sql: select 1
    notify_on_warn: "yes"
    slack_mention: "@alice"
  - { name: b, description: B., severity: fail, sql: select 1, repeat_interval: soon }
`),
    ).toEqual([
      'checks.yml:6:21: check "a" notify_on_warn: must be true or false',
      'checks.yml:7:20: check "a" slack_mention: must be a Slack user ID (U… or W…) or user-group ID (S…), such as U024BE7LH: copy it from the profile or group in Slack',
      'checks.yml:8:81: check "b" repeat_interval: "soon" is not a duration: write 10s, 5m, 1h, 2d or a PostgreSQL interval such as "15 minutes"',
    ]);
  });

  it('refuse a repeat_interval under a minute or of no fixed length, a bad default once', () => {
    expect(
      problemsOf(`defaults:
  repeat_interval: 10s
checks:
  - { name: a, description: A., severity: fail, sql: select 1, repeat_interval: 1 month }
  - { name: b, description: B., severity: fail, sql: select 1 }
  - { name: c, description: C., severity: fail, sql: select 1 }
`),
    ).toEqual([
      'checks.yml:2:20: defaults.repeat_interval: must be at least 1m, in minutes, hours or days (such as 4h)',
      'checks.yml:4:81: check "a" repeat_interval: must be at least 1m, in minutes, hours or days (such as 4h)',
    ]);
  });

  it('name the new keys among the allowed ones', () => {
    expect(
      problemsOf(
        'defaults: { repeat: 1h }\nchecks:\n  - { name: a, description: A., severity: fail, sql: select 1 }\n',
      ),
    ).toEqual([
      'checks.yml:1:13: defaults: unknown key "repeat" (allowed: timeout, sample_rows, repeat_interval, notify_on_warn, slack_mention)',
    ]);
  });

  it('are valid in the shipped checks.yml, which documents them', async () => {
    const file = await loadChecksFile(shippedChecksPath, process.cwd());
    for (const check of file.checks) expect(check.alert?.repeatIntervalMs).toBe(4 * 3_600_000);
    expect(file.checks.filter((c) => c.alert?.notifyOnWarn).map((c) => c.name)).toEqual([]);
  });
});
