/**
 * SQLSTATE class 22, "data exception": PostgreSQL refused a value (a date out of its range, a NUL
 * in text, a number that overflows its column). The value came from a site; retrying the same
 * write cannot succeed, so it is never a transient job failure. Stages skip or null the one
 * entry that carries it; the worker fails a job that still throws one at once.
 */
export function isDataError(err: unknown): boolean {
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  return typeof code === 'string' && code.length === 5 && code.startsWith('22');
}
