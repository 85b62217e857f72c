import { Flags } from '@oclif/core';
import { BaseCommand, ExitCode } from '../../base-command.js';
import { formatProblem } from '../../checks/checks-config-error.js';
import { type ChecksValidation, validateChecks } from '../../checks/validate-checks.js';

/** `checks validate --json`: the checks file's problems, if any, and its checks. */
export type ChecksValidateResult = ChecksValidation;

export default class ChecksValidate extends BaseCommand<typeof ChecksValidate> {
  static override summary = 'Validate a checks file without running it.';
  static override description =
    'Reports every problem with its file, line and column: YAML syntax, unknown keys, bad durations and conditions, duplicate names, SQL that is not one read-only query, and :params used but not declared or declared but not used. Needs no database. Exits 0 when the file is valid, 2 when it is not.';
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --config ops/checks.yml',
  ];
  static override enableJsonFlag = true;
  static override flags = {
    config: Flags.string({
      char: 'c',
      description: 'Checks file. [default: ./checks.yml if present, else the checks shipped with pipectl]',
    }),
  };

  async run(): Promise<ChecksValidateResult> {
    const result = await validateChecks(this.flags.config, process.cwd());
    if (!this.jsonEnabled()) {
      for (const problem of result.problems) this.log(formatProblem(problem));
      this.log(
        result.valid
          ? `${result.config}: valid, ${result.checks} check${result.checks === 1 ? '' : 's'}.`
          : `${result.config}: ${result.problems.length} problem${result.problems.length === 1 ? '' : 's'}.`,
      );
    }
    if (!result.valid) this.setExitCode(ExitCode.error);
    return result;
  }
}
