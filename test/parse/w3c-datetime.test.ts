import { describe, expect, it } from 'vitest';
import { parseFeedDate } from '../../src/parse/feed-date.js';
import { parseW3cDatetime } from '../../src/parse/w3c-datetime.js';

const iso = (s: string) => parseW3cDatetime(s)?.toISOString() ?? null;

describe('parseW3cDatetime', () => {
  it.each([
    ['1997', '1997-01-01T00:00:00.000Z'],
    ['1997-07', '1997-07-01T00:00:00.000Z'],
    ['1997-07-16', '1997-07-16T00:00:00.000Z'],
    ['1997-07-16T19:20+01:00', '1997-07-16T18:20:00.000Z'],
    ['1997-07-16T19:20:30+01:00', '1997-07-16T18:20:30.000Z'],
    ['1997-07-16T19:20:30.45+01:00', '1997-07-16T18:20:30.450Z'],
    ['1997-07-16T19:20:30.123456789Z', '1997-07-16T19:20:30.123Z'],
    ['2025-11-17T09:27:00Z', '2025-11-17T09:27:00.000Z'],
    ['2025-11-17t09:27:00z', '2025-11-17T09:27:00.000Z'],
    ['2025-11-17T09:27:00-05:30', '2025-11-17T14:57:00.000Z'],
    ['  2025-11-17  ', '2025-11-17T00:00:00.000Z'],
    ['2024-02-29', '2024-02-29T00:00:00.000Z'],
  ])('reads %s', (input, expected) => {
    expect(iso(input)).toBe(expected);
  });

  it.each([
    ['no time zone, read as UTC', '2025-11-17T09:27:00', '2025-11-17T09:27:00.000Z'],
    ['an offset without its colon', '2025-11-17T09:27:00+0200', '2025-11-17T07:27:00.000Z'],
    ['a space instead of T', '2025-11-17 09:27:00Z', '2025-11-17T09:27:00.000Z'],
  ])('accepts a common deviation: %s', (_why, input, expected) => {
    expect(iso(input)).toBe(expected);
  });

  it.each([
    '',
    'yesterday',
    '2025-13-01',
    '2025-00-10',
    '2023-02-29',
    '2025-04-31',
    '2025-11-17T24:00:00Z',
    '2025-11-17T10:60Z',
    '2025-11-17T10:00:61Z',
    '2025-11-17T10:00:00+15:00',
    '2025-11-17T10',
    '17/11/2025',
    '2025-1-7',
    'Tue, 04 Nov 2025 15:30:00 +0000',
    '2025-11-17T10:00:00Zjunk',
  ])('returns null for %j instead of throwing', (input) => {
    expect(parseW3cDatetime(input)).toBeNull();
  });
});

describe('parseFeedDate', () => {
  it.each([
    ['Tue, 04 Nov 2025 15:30:00 +0000', '2025-11-04T15:30:00.000Z'],
    ['Mon, 13 Oct 2025 09:00:00 GMT', '2025-10-13T09:00:00.000Z'],
    ['13 Oct 2025 09:00 EST', '2025-10-13T14:00:00.000Z'],
    ['Wed, 1 Jan 25 00:00:00 -0800', '2025-01-01T08:00:00.000Z'],
    ['Thursday, 02 January 2025 10:00:00 Z', '2025-01-02T10:00:00.000Z'],
    ['2025-11-02T18:30:02Z', '2025-11-02T18:30:02.000Z'],
  ])('reads %s', (input, expected) => {
    expect(parseFeedDate(input)?.toISOString()).toBe(expected);
  });

  it.each(['', 'soon', '31 Feb 2025 10:00:00 GMT', '04 Nov 2025 15:30:00 XYZ', '04 Foo 2025 15:30:00 GMT'])(
    'returns null for %j',
    (input) => {
      expect(parseFeedDate(input)).toBeNull();
    },
  );
});
