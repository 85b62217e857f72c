import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { useCliDatabase } from '../checks/cli-database.js';
import { seedIncident } from '../fixtures/incident-replay.js';
import { runCli } from '../helpers/cli.js';
import { backends } from '../helpers/databases.js';

// `pipectl report` and `audit impact --format html` as cron and on-call run them.
describe.each(backends)('pipectl report and audit impact --format html on $name', ({ name, skip }) => {
  describe.skipIf(skip)(name, () => {
    const database = useCliDatabase(name);
    const cli = (...args: string[]) => runCli(args, { env: database.env, timeoutMs: 90_000 });
    const dir = mkdtempSync(path.join(os.tmpdir(), 'pipectl-report-cli-'));

    it('on an empty database writes a page that says there is no history yet', async () => {
      const file = path.join(dir, `${name}-empty.html`);
      const r = await cli('report', '--output', file);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(
        new RegExp(`^pipectl report: no history yet; status page written to ${file} \\(\\d+ KiB, 7 days\\)\\n$`),
      );
      const html = readFileSync(file, 'utf8');
      expect(html.startsWith('<!doctype html>')).toBe(true);
      expect(html).toContain('No history yet.');
    }, 120_000);

    it('after check on the incident: the page shows fail, --json says where and how big; audit impact --format html', async () => {
      await database.use((db) => seedIncident(db));
      expect((await cli('check')).code).toBe(1);
      const file = path.join(dir, `${name}-incident.html`);
      const r = await cli('report', '--output', file, '--days', '30', '--env-name', 'prod', '--json');
      expect(r.code).toBe(0);
      const json = JSON.parse(r.stdout);
      expect(json).toMatchObject({ output: file, overall: 'fail', days: 30 });
      const html = readFileSync(file, 'utf8');
      expect(json.bytes).toBe(Buffer.byteLength(html));
      expect(html).toContain('<title>pipectl status: prod</title>');
      const impact = await cli('audit', 'impact', '--since', '80d', '--format', 'html');
      expect(impact.code).toBe(0);
      expect(impact.stdout.startsWith('<!doctype html>')).toBe(true);
      expect(impact.stdout).toContain('longest zero-output streak: 70 days');
      expect(impact.stdout.trimEnd().endsWith('</html>')).toBe(true);
    }, 180_000);

    it('refuses a directory as --output, and a missing --output, in one line with exit 2', async () => {
      const r = await cli('report', '--output', dir);
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(
        `pipectl: --output ${dir} is a directory: name a file, such as ${path.join(dir, 'checks.xml')}\n`,
      );
      const missing = await cli('report');
      expect(missing.code).toBe(2);
      expect(missing.stderr.trim().split('\n')).toHaveLength(1);
      expect(missing.stderr).toContain('--output');
    }, 120_000);
  });
});
