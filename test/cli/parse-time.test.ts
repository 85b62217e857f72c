import { describe, expect, it } from 'vitest';
import { parseTime } from '../../src/cli/parse-time.js';

describe('parseTime', () => {
  it.each(['2025-02-30', '2025-02-29', '2024-04-31', '2025-02-30T09:00:00Z', '2025-02-30 09:00:00'])(
    'refuses the impossible calendar date %s instead of rolling it over',
    (text) => {
      expect(() => parseTime(text, '--since')).toThrow(`invalid --since "${text}"`);
    },
  );

  it('accepts real dates, leap days included', () => {
    expect(parseTime('2024-02-29', '--since').toISOString()).toBe('2024-02-29T00:00:00.000Z');
    expect(parseTime('2025-12-31 23:59:59', '--until').toISOString()).toBe('2025-12-31T23:59:59.000Z');
  });

  it('reads a duration ago in the one duration grammar, clock form included', () => {
    const now = new Date('2026-01-01T00:00:00Z');
    expect(parseTime('00:15:00', '--since', now).toISOString()).toBe('2025-12-31T23:45:00.000Z');
    expect(parseTime('2 days', '--since', now).toISOString()).toBe('2025-12-30T00:00:00.000Z');
  });
});
