import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { maxDurationMs, parseDuration, parseDurationMs } from '../src/duration.js';
import { PipectlError } from '../src/errors.js';
import { runCli } from './helpers/cli.js';

describe('one duration grammar for flags and checks.yml', { timeout: 120_000 }, () => {
  it.each([
    ['500ms', 500],
    ['10s', 10_000],
    ['1h30m', 5_400_000],
    ['15 minutes', 900_000],
    ['00:15:00', 900_000],
    ['2 weeks', 1_209_600_000],
  ])('a flag reads %s as %d ms', (text, ms) => {
    expect(parseDurationMs(text, '--older-than')).toBe(ms);
  });

  it('refuses months on a flag that needs a fixed length, as a usage error', () => {
    expect(() => parseDurationMs('1 month', '--lease')).toThrow(
      /--lease "1 month": months and years have no fixed length/,
    );
  });

  it.each(['99999999999999999999d', '101 years', '1000000:00:00', `${maxDurationMs + 1}ms`])(
    'refuses the out-of-range %s as a usage error',
    (text) => {
      const err = (() => {
        try {
          parseDuration(text, '--older-than');
        } catch (e) {
          return e;
        }
      })();
      expect(err).toBeInstanceOf(PipectlError);
      expect(err).toMatchObject({ code: 'usage', exitCode: 2 });
      expect((err as Error).message).toBe(`--older-than "${text}" is too long: a duration is at most 100 years`);
    },
  );

  it('reports an out-of-range flag as usage (exit 2), not unexpected', async () => {
    const env = { PIPECTL_DATA_DIR: path.join(mkdtempSync(path.join(os.tmpdir(), 'pipectl-dur-')), 'data') };
    const r = await runCli(['audit', 'stuck', '--older-than', '99999999999999999999d', '--json'], { env });
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout).error).toMatchObject({ code: 'usage', exitCode: 2 });
    const clock = await runCli(['audit', 'stuck', '--older-than', '00:15:00'], { env });
    expect(clock.code).toBe(0);
    expect(clock.stdout).toContain('nothing stuck for longer than 15m');
  });
});
