import { describe, expect, it } from 'vitest';
import { coerceParam } from '../../src/checks/coerce-param.js';
import { conditionHolds, parseCondition } from '../../src/checks/condition.js';
import { parseDuration } from '../../src/duration.js';

describe('parseDuration', () => {
  it.each([
    ['10s', '10 seconds', 10_000],
    ['5m', '5 minutes', 300_000],
    ['1h', '1 hour', 3_600_000],
    ['2d', '2 days', 172_800_000],
    ['1h30m', '1 hour 30 minutes', 5_400_000],
    ['250ms', '250 milliseconds', 250],
    ['15 minutes', '15 minutes', 900_000],
    ['1 hour 30 minutes', '1 hour 30 minutes', 5_400_000],
    ['2 Weeks', '2 weeks', 1_209_600_000],
    ['00:15:00', '0 hours 15 minutes 0 seconds', 900_000],
  ])('reads %s as the interval %s', (raw, interval, ms) => {
    expect(parseDuration(raw)).toEqual({ interval, ms });
  });

  it('accepts months and years as intervals, without a fixed length', () => {
    expect(parseDuration('1 month')).toEqual({ interval: '1 month', ms: undefined });
  });

  it.each(['', '15', 'soon', '-5m', '5 fortnights', '1h and 2m', '10s; drop table jobs'])('refuses %j', (raw) => {
    expect(() => parseDuration(raw)).toThrow(/is not a duration/);
  });
});

describe('conditions', () => {
  it.each([
    ['> 100', 101, true],
    ['> 100', 100, false],
    ['>= 100', 100, true],
    ['< 1', 0, true],
    ['< 1', 1, false],
    ['<= 1', 1, true],
    ['== 0', 0, true],
    ['!= 0', 0, false],
    ['between 1 and 5', 1, true],
    ['between 1 and 5', 5, true],
    ['between 1 and 5', 5.01, false],
    ['>-0.5', -0.4, true],
  ])('%s holds for %d: %s', (text, value, holds) => {
    expect(conditionHolds(parseCondition(text), value)).toBe(holds);
  });

  it.each(['100', '=> 5', 'between 5 and 1', 'more than 3', '> x'])('refuses %j', (text) => {
    expect(() => parseCondition(text)).toThrow();
  });
});

describe('coerceParam', () => {
  it('converts --param text to each declared type', () => {
    expect(coerceParam('interval', '30m')).toBe('30 minutes');
    expect(coerceParam('integer', ' 42 ')).toBe(42);
    expect(coerceParam('text', 'sitemap')).toBe('sitemap');
    expect(coerceParam('list', 'sitemap, page_import')).toEqual(['sitemap', 'page_import']);
    expect(coerceParam('list', ['a', 1])).toEqual(['a', '1']);
  });

  it('refuses a value of the wrong type', () => {
    expect(() => coerceParam('integer', '4.5')).toThrow('is not a whole number');
    expect(() => coerceParam('interval', 'forever')).toThrow('is not a duration');
    expect(() => coerceParam('interval', 15)).toThrow('needs a duration');
    expect(() => coerceParam('text', ['a'])).toThrow('not a list');
  });
});
