import type { CheckRun } from '../checks/check-result.js';

/** The run as one JSON document: the same shape `--json` prints. */
export function renderJson(run: CheckRun): string {
  return `${JSON.stringify(run, null, 2)}\n`;
}
