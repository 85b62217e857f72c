/** 0001-01-01T00:00:00Z: PostgreSQL reads no year 0 or negative year from an ISO string. */
export const earliestLastmodMs = -62_135_596_800_000;

/**
 * How far past the clock a lastmod may be: time zones and clock skew, not years. A lastmod of
 * 9999-12-31 is a placeholder, and stored as is it would sort first in every "recently changed".
 */
export const lastmodFutureToleranceMs = 86_400_000;

/**
 * A parsed lastmod as `pages.lastmod` stores it (ISO 8601), or null when PostgreSQL could not
 * store it (year 0, before it) or it lies absurdly in the future (more than a day past `nowMs`).
 * One comparison per entry: cheap next to the insert.
 */
export function storableLastmod(date: Date | null, nowMs: number): string | null {
  if (date === null) return null;
  const ms = date.getTime();
  if (!(ms >= earliestLastmodMs && ms <= nowMs + lastmodFutureToleranceMs)) return null;
  return date.toISOString();
}
