import { PipectlError } from '../errors.js';

/** One thing wrong with a checks file, where it is. Lines and columns count from 1. */
export interface ConfigProblem {
  file: string;
  line: number;
  column: number;
  message: string;
}

/** `file:line:column: message`, the form editors and CI annotators recognise. */
export function formatProblem(problem: ConfigProblem): string {
  return `${problem.file}:${problem.line}:${problem.column}: ${problem.message}`;
}

/**
 * An invalid checks file (exit 2). Its message is one line (the first problem and how many
 * more); `problems` has them all, for `pipectl checks validate`.
 */
export class ChecksConfigError extends PipectlError {
  readonly problems: ConfigProblem[];

  constructor(problems: ConfigProblem[]) {
    const [first] = problems;
    const more = problems.length - 1;
    super(
      'invalid_checks_file',
      `${first ? formatProblem(first) : 'invalid checks file'}${more > 0 ? ` (and ${more} more problem${more === 1 ? '' : 's'}: run \`pipectl checks validate\`)` : ''}`,
    );
    this.name = 'ChecksConfigError';
    this.problems = problems;
  }
}
