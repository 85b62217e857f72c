import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatElapsed, formatShort, maxDurationMs, parseDuration, parseDurationMs } from '../src/duration.js';
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

describe("formatShort: a length in the duration grammar's units", () => {
  it.each([
    [0, '0s'],
    [499, '0s'],
    [500, '1s'],
    [59_499, '59s'],
    [59_500, '1m'],
    [60_000, '1m'],
    [90_000, '1m30s'],
    [599_000, '9m59s'],
    [600_000, '10m'],
    [630_000, '10m'],
    [3_600_000, '1h'],
    [3_630_000, '1h'],
    [7_980_000, '2h13m'],
    [8_039_000, '2h13m'],
    [86_400_000, '1d'],
    [86_700_000, '1d'],
    [273_600_000, '3d4h'],
    [36_523 * 86_400_000, '36523d'],
    [-5_000, '-5s'],
    [-300_000, '-300s'],
  ])('an age of %d ms reads %s: the two largest units, to the second, seconds only under 10 minutes', (ms, text) => {
    expect(formatShort(ms)).toBe(text);
  });

  it.each([
    [0, '0s'],
    [45_000, '45s'],
    [90_000, '1m'],
    [15_007_000, '4h 10m'],
    [183_600_000, '2d 3h'],
    [86_700_000, '1d'],
  ])('an age in a Slack post, %d ms, reads %s: seconds only under a minute, spaced', (ms, text) => {
    expect(formatShort(ms, { secondsBelowMs: 60_000, separator: ' ' })).toBe(text);
  });

  it.each([
    [0, '0ms'],
    [250, '250ms'],
    [999.4, '999ms'],
    [999.5, '1s'],
    [1000, '1s'],
    [10_000, '10s'],
    [90_000, '1m30s'],
    [3_600_000, '1h'],
    [93_784_005, '1d2h3m4s5ms'],
    [2_147_483_647, '24d20h31m23s647ms'],
  ])('a configured length of %d ms reads %s exactly', (ms, text) => {
    expect(formatShort(ms, { exact: true })).toBe(text);
  });

  it('formats milliseconds compactly', () => {
    const formatMs = (ms: number) => formatShort(ms, { exact: true });
    expect([formatMs(250), formatMs(10_000), formatMs(90_000), formatMs(3_600_000)]).toEqual([
      '250ms',
      '10s',
      '1m30s',
      '1h',
    ]);
  });
});

describe('formatElapsed: a measured time', () => {
  it.each([
    [0, '0 ms'],
    [12.4, '12 ms'],
    [999.4, '999 ms'],
    [999.5, '1.0 s'],
    [1000, '1.0 s'],
    [1500, '1.5 s'],
    [75_000, '75.0 s'],
  ])('%d ms reads %s', (ms, text) => {
    expect(formatElapsed(ms)).toBe(text);
  });

  it('writes the unit without a space when asked', () => {
    expect([formatElapsed(12, { separator: '' }), formatElapsed(1500, { separator: '' })]).toEqual(['12ms', '1.5s']);
  });
});
