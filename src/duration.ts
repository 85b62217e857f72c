import { PipectlError } from './errors.js';

const units: Record<string, number> = {
  ms: 1,
  millisecond: 1,
  milliseconds: 1,
  s: 1000,
  sec: 1000,
  secs: 1000,
  second: 1000,
  seconds: 1000,
  m: 60_000,
  min: 60_000,
  mins: 60_000,
  minute: 60_000,
  minutes: 60_000,
  h: 3_600_000,
  hour: 3_600_000,
  hours: 3_600_000,
  d: 86_400_000,
  day: 86_400_000,
  days: 86_400_000,
  w: 604_800_000,
  week: 604_800_000,
  weeks: 604_800_000,
};

/**
 * Parses a duration as written on the command line and in checks.yml (design §10): `500ms`,
 * `10s`, `5m`, `1h`, `2d`, or PostgreSQL-interval words such as `15 minutes` or
 * `1 hour 30 minutes`. Returns milliseconds; throws a usage error naming the bad input.
 */
export function parseDuration(text: string, what = 'duration'): number {
  const trimmed = text.trim().toLowerCase();
  const part = /(\d+(?:\.\d+)?)\s*([a-z]+)/gy;
  let total = 0;
  let matched = 0;
  for (let m = part.exec(trimmed); m; m = part.exec(trimmed)) {
    const unit = units[m[2] ?? ''];
    if (unit === undefined) break;
    total += Number(m[1]) * unit;
    matched = part.lastIndex;
    while (trimmed[part.lastIndex] === ' ') part.lastIndex++;
  }
  if (trimmed === '' || matched !== trimmed.length) {
    throw new PipectlError('usage', `invalid ${what} "${text}" — write it like 10s, 5m, 1h, 2d or "15 minutes"`);
  }
  return Math.round(total);
}

/** Formats milliseconds for people: `2h13m`, `45s`, `3d4h`. */
export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d > 0) return h > 0 ? `${d}d${h}h` : `${d}d`;
  if (h > 0) return m > 0 ? `${h}h${m}m` : `${h}h`;
  return s % 60 > 0 && m < 10 ? `${m}m${s % 60}s` : `${m}m`;
}
