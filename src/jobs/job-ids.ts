import { PipectlError } from '../errors.js';

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Checks that every argument is a job id (a UUID) before any SQL sees it. */
export function assertJobIds(ids: string[]): string[] {
  const bad = ids.find((id) => !uuid.test(id));
  if (bad !== undefined) throw new PipectlError('usage', `"${bad}" is not a job id (a UUID)`);
  return ids;
}
