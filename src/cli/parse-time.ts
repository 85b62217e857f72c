import { parseDurationMs } from '../duration.js';
import { PipectlError } from '../errors.js';

/**
 * A point in time as written on the command line: an ISO date or timestamp (`2025-11-17`,
 * `2025-11-17 09:00:00`, UTC unless it says otherwise) or a duration ago (`2h`, `3d`).
 */
export function parseTime(text: string, what: string, now = new Date()): Date {
  const trimmed = text.trim();
  if (/^\d{4}-\d{2}-\d{2}/.test(trimmed)) {
    const iso = trimmed.replace(' ', 'T');
    const date = new Date(/[zZ]|[+-]\d{2}:?\d{2}$/.test(iso) || iso.length === 10 ? iso : `${iso}Z`);
    if (!Number.isNaN(date.getTime()) && isCalendarDate(trimmed)) return date;
  } else {
    try {
      return new Date(now.getTime() - parseDurationMs(trimmed, what));
    } catch {
      // fall through to the error below, which names both forms
    }
  }
  throw new PipectlError(
    'usage',
    `invalid ${what} "${text}" — give a date like 2025-11-17 or 2025-11-17T09:00:00Z, or a duration ago like 2h or 3d`,
  );
}

/** JavaScript rolls 2025-02-30 over to 2025-03-02; a date that does not exist is a typo, not a wish. */
function isCalendarDate(text: string): boolean {
  const [year, month, day] = text.slice(0, 10).split('-').map(Number) as [number, number, number];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}
