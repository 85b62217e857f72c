import { ChecksConfigError, formatProblem } from '../../src/checks/checks-config-error.js';
import { parseChecksFile } from '../../src/checks/parse-checks-file.js';

/** The problems a checks.yml source has, as `checks.yml:line:column: message` lines; none when it parses. */
export function problemsOf(source: string): string[] {
  try {
    parseChecksFile(source, 'checks.yml');
  } catch (err) {
    if (err instanceof ChecksConfigError) return err.problems.map(formatProblem);
    throw err;
  }
  return [];
}
