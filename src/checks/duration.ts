/** A duration as written in checks.yml or on the command line, normalised. */
export interface Duration {
  /** A PostgreSQL interval literal (`15 minutes`, `1 hour 30 minutes`), bound as `$n::interval`. */
  interval: string;
  /** Milliseconds, when the duration has a fixed length (not months or years). */
  ms: number | undefined;
}

const unitMs = {
  microsecond: 0.001,
  millisecond: 1,
  second: 1000,
  minute: 60_000,
  hour: 3_600_000,
  day: 86_400_000,
  week: 604_800_000,
  month: undefined,
  year: undefined,
} as const;
type Unit = keyof typeof unitMs;

// Short forms (design §10) and the spellings PostgreSQL accepts in interval input.
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

const part = /(\d+(?:\.\d+)?)\s*([a-z]+)\s*/gy;
const clock = /^(\d+):([0-5]\d)(?::([0-5]\d(?:\.\d+)?))?$/;

/**
 * Parses `10s`, `5m`, `1h30m`, `2d`, a PostgreSQL interval such as `15 minutes` or
 * `1 hour 30 minutes`, or a clock form `00:15:00`. Durations are never negative.
 * Throws an Error whose message says what is accepted. Parsing here, not in the database,
 * lets `checks validate` point at the line of a bad duration without a connection.
 */
export function parseDuration(raw: string): Duration {
  const text = raw.trim().toLowerCase();
  const hms = clock.exec(text);
  if (hms) {
    const [, h, m, s] = hms;
    const ms = Number(h) * 3_600_000 + Number(m) * 60_000 + Number(s ?? 0) * 1000;
    return { interval: `${Number(h)} hours ${Number(m)} minutes ${Number(s ?? 0)} seconds`, ms };
  }
  const parts: string[] = [];
  let ms: number | undefined = 0;
  part.lastIndex = 0;
  let consumed = 0;
  for (let match = part.exec(text); match !== null; match = part.exec(text)) {
    const [whole, amount, name] = match;
    const unit = unitNames[name ?? ''];
    if (unit === undefined) throw new Error(durationHelp(raw, `unknown unit "${name}"`));
    const perUnit = unitMs[unit];
    ms = ms === undefined || perUnit === undefined ? undefined : ms + Number(amount) * perUnit;
    parts.push(`${amount} ${unit}${Number(amount) === 1 ? '' : 's'}`);
    consumed += whole.length;
  }
  if (parts.length === 0 || consumed !== text.length) throw new Error(durationHelp(raw));
  return { interval: parts.join(' '), ms };
}

function durationHelp(raw: string, reason?: string): string {
  return `"${raw}" is not a duration${reason ? ` (${reason})` : ''}: write 10s, 5m, 1h, 2d or a PostgreSQL interval such as "15 minutes"`;
}

/** A short human form of milliseconds: `10s`, `1m30s`, `250ms`. */
export function formatMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const units: [string, number][] = [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ];
  let rest = Math.round(ms);
  let out = '';
  for (const [name, size] of units) {
    const n = Math.floor(rest / size);
    if (n > 0) out += `${n}${name}`;
    rest -= n * size;
  }
  return rest > 0 ? `${out}${rest}ms` : out;
}
