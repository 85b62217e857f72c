import { PipectlError } from './errors.js';

/** A duration as written on the command line or in checks.yml, normalised. */
export interface Duration {
  /** A PostgreSQL interval literal (`15 minutes`, `1 hour 30 minutes`), bound as `$n::interval`. */
  interval: string;
  /** Milliseconds, when the duration has a fixed length (not months or years). */
  ms: number | undefined;
}

const day = 86_400_000;

/**
 * Each unit's length in ms. Months and years have no fixed length: their `nominal` length (as
 * PostgreSQL's `extract(epoch …)` counts them) serves only the range check.
 */
const unitMs = {
  microsecond: { ms: 0.001 },
  millisecond: { ms: 1 },
  second: { ms: 1000 },
  minute: { ms: 60_000 },
  hour: { ms: 3_600_000 },
  day: { ms: day },
  week: { ms: 7 * day },
  month: { ms: undefined, nominal: 30 * day },
  year: { ms: undefined, nominal: 365.25 * day },
} as const;
type Unit = keyof typeof unitMs;

// Short forms and the spellings PostgreSQL accepts in interval input (docs/checks.md, "Durations").
const unitNames: Record<string, Unit> = {
  us: 'microsecond',
  microsecond: 'microsecond',
  microseconds: 'microsecond',
  ms: 'millisecond',
  msec: 'millisecond',
  msecs: 'millisecond',
  millisecond: 'millisecond',
  milliseconds: 'millisecond',
  s: 'second',
  sec: 'second',
  secs: 'second',
  second: 'second',
  seconds: 'second',
  m: 'minute',
  min: 'minute',
  mins: 'minute',
  minute: 'minute',
  minutes: 'minute',
  h: 'hour',
  hr: 'hour',
  hrs: 'hour',
  hour: 'hour',
  hours: 'hour',
  d: 'day',
  day: 'day',
  days: 'day',
  w: 'week',
  week: 'week',
  weeks: 'week',
  mon: 'month',
  mons: 'month',
  month: 'month',
  months: 'month',
  y: 'year',
  year: 'year',
  years: 'year',
};

/**
 * The longest duration pipectl accepts. Far beyond any lease, timeout or age anyone means, and
 * far inside what PostgreSQL intervals and `now() - interval` can hold, so that a typo such as
 * `99999999999999999999d` is refused here as a usage error instead of failing in the database.
 */
export const maxDurationMs = 100 * unitMs.year.nominal;

const part = /(\d+(?:\.\d+)?)\s*([a-z]+)\s*/gy;
const clock = /^(\d+):([0-5]\d)(?::([0-5]\d(?:\.\d+)?))?$/;

/**
 * Parses a duration, the one grammar of flags and checks.yml (docs/checks.md, "Durations"):
 * `10s`, `5m`, `1h30m`, `2d`, a PostgreSQL interval such as `15 minutes` or `1 hour 30 minutes`,
 * or a clock form `00:15:00`. Durations are never negative and at most 100 years. Throws a usage
 * error that says what is accepted (prefixed with `what`, such as a flag name, when given).
 * Parsing here, not in the database, lets `checks validate` point at the line of a bad duration
 * without a connection.
 */
export function parseDuration(raw: string, what?: string): Duration {
  const text = raw.trim().toLowerCase();
  const prefix = what ? `${what} ` : '';
  const fail = (reason?: string) => new PipectlError('usage', `${prefix}${durationHelp(raw, reason)}`);
  const tooLong = () => new PipectlError('usage', `${prefix}"${raw}" is too long: a duration is at most 100 years`);
  const hms = clock.exec(text);
  if (hms) {
    const [, h, m, s] = hms;
    const ms = Number(h) * 3_600_000 + Number(m) * 60_000 + Number(s ?? 0) * 1000;
    if (ms > maxDurationMs) throw tooLong();
    return { interval: `${Number(h)} hours ${Number(m)} minutes ${Number(s ?? 0)} seconds`, ms };
  }
  const parts: string[] = [];
  let ms: number | undefined = 0;
  let nominal = 0;
  part.lastIndex = 0;
  let consumed = 0;
  for (let match = part.exec(text); match !== null; match = part.exec(text)) {
    const [whole, amount, name] = match;
    const unit = unitNames[name ?? ''];
    if (unit === undefined) throw fail(`unknown unit "${name}"`);
    const length: { ms: number | undefined; nominal?: number } = unitMs[unit];
    ms = ms === undefined || length.ms === undefined ? undefined : ms + Number(amount) * length.ms;
    nominal += Number(amount) * (length.ms ?? length.nominal ?? 0);
    parts.push(`${amount} ${unit}${Number(amount) === 1 ? '' : 's'}`);
    consumed += whole.length;
  }
  if (parts.length === 0 || consumed !== text.length) throw fail();
  if (!(nominal <= maxDurationMs)) throw tooLong();
  return { interval: parts.join(' '), ms };
}

/**
 * Parses a duration that must have a fixed length (a flag such as `--lease`) into milliseconds.
 * Throws a usage error naming `what` for bad input, and for months or years.
 */
export function parseDurationMs(raw: string, what: string): number {
  const { ms } = parseDuration(raw, what);
  if (ms === undefined) {
    throw new PipectlError('usage', `${what} "${raw}": months and years have no fixed length — write days or weeks`);
  }
  return Math.round(ms);
}

function durationHelp(raw: string, reason?: string): string {
  return `"${raw}" is not a duration${reason ? ` (${reason})` : ''}: write 10s, 5m, 1h, 2d or a PostgreSQL interval such as "15 minutes"`;
}

/** How {@link formatShort} writes a length. */
export interface ShortFormat {
  /**
   * Every unit down to the millisecond, for a length someone configured: `250ms`, `1m30s`,
   * `24d20h31m23s647ms`. Without it, an age for people: the two largest units, to the nearest
   * second (`45s`, `9m30s`, `2h13m`, `3d4h`), since "4h 10m 7s" says no more than "4h 10m".
   */
  exact?: boolean;
  /** Without `exact`: a length of at least this many ms drops its seconds (`12m`, not `12m30s`). Default 10 minutes. */
  secondsBelowMs?: number;
  /** Between units: none by default (`2h13m`); `' '` gives `4h 10m`. */
  separator?: string;
}

const shortUnits = [
  ['d', day],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1000],
  ['ms', 1],
] as const;

/**
 * A length in the units duration flags and checks.yml are written in: `45s`, `2h13m`, `3d4h`,
 * or with `exact`, `250ms`, `1m30s`. A length under one of the next unit up, a negative one
 * included, is written in the smallest unit alone (`59s`, `-300s`, `999ms`).
 */
export function formatShort(ms: number, format: ShortFormat = {}): string {
  const { exact = false, secondsBelowMs = 600_000, separator = '' } = format;
  const smallest = exact ? 1 : 1000;
  const count = Math.round(ms / smallest);
  const length = count * smallest;
  if (length < smallest * (exact ? 1000 : 60)) return `${count}${exact ? 'ms' : 's'}`;
  let rest = length;
  const counts = shortUnits
    .filter(([name, size]) => size >= smallest && (exact || name !== 's' || length < secondsBelowMs))
    .map(([name, size]) => {
      const n = Math.floor(rest / size);
      rest -= n * size;
      return { name, n };
    });
  const first = counts.findIndex(({ n }) => n > 0);
  return counts
    .slice(first, exact ? undefined : first + 2)
    .filter(({ n }) => n > 0)
    .map(({ name, n }) => `${n}${name}`)
    .join(separator);
}

/**
 * A measured time: whole milliseconds under a second, else seconds to a tenth (`12 ms`, `1.5 s`,
 * `75.0 s`). `separator` goes between the number and its unit (`''` gives `1.5s`).
 */
export function formatElapsed(ms: number, { separator = ' ' }: { separator?: string } = {}): string {
  const rounded = Math.round(ms);
  return rounded < 1000 ? `${rounded}${separator}ms` : `${(ms / 1000).toFixed(1)}${separator}s`;
}
