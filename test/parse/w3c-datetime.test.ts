import fc from 'fast-check';
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
    ['2000-02-29T23:59:59.999-14:00', '2000-03-01T13:59:59.999Z'],
    ['0099-12-31', '0099-12-31T00:00:00.000Z'],
    ['0000-02-29', '0000-02-29T00:00:00.000Z'],
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

describe('parseW3cDatetime against the ISO parser of Date', () => {
  it('gives the same instant for every valid date and time', () => {
    const two = (n: number) => String(n).padStart(2, '0');
    fc.assert(
      fc.property(
        fc.date({ min: new Date('0000-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true }),
        fc.integer({ min: -14 * 60, max: 14 * 60 }),
        (date, offset) => {
          const local = new Date(date.getTime() + offset * 60_000).toISOString().slice(0, 23);
          const sign = offset < 0 ? '-' : '+';
          const zone = `${sign}${two(Math.floor(Math.abs(offset) / 60))}:${two(Math.abs(offset) % 60)}`;
          const text = `${local}${zone}`;
          // Shifting by the offset can leave the four-digit range: both then refuse it.
          if (!/^\d{4}-/.test(text)) return;
          expect(parseW3cDatetime(text)?.getTime()).toBe(Date.parse(text));
        },
      ),
      { numRuns: 5000 },
    );
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
