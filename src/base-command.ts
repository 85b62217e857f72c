import { Command, Flags, type Interfaces } from '@oclif/core';
import { usageMessage } from './cli/usage-message.js';
import { type Config, resolveConfig } from './config.js';
import { type OpenedDatabase, type OpenOptions, openDatabase } from './db/open-database.js';
import { coerceError, ExitCode, PipectlError } from './errors.js';

export type InferredFlags<T extends typeof Command> = Interfaces.InferredFlags<
  (typeof BaseCommand)['baseFlags'] & T['flags']
>;
export type InferredArgs<T extends typeof Command> = Interfaces.InferredArgs<T['args']>;

/** oclif marks its own usage errors (unknown flag, missing argument) with an exit code. */
interface OclifError extends Error {
  oclif?: { exit?: number };
  code?: string;
}

/**
 * What every pipectl command shares: the database flags, configuration resolved once, the
 * database opened and always closed, and one mapping from error to message and exit code.
 */
export abstract class BaseCommand<T extends typeof Command> extends Command {
  static override baseFlags = {
    'database-url': Flags.string({
      description: 'PostgreSQL server URL; without it pipectl uses the embedded database. [env: DATABASE_URL]',
      helpGroup: 'DATABASE',
    }),
    'data-dir': Flags.string({
      description: 'Embedded database directory. [env: PIPECTL_DATA_DIR] [default: ./.pipectl/data]',
      helpGroup: 'DATABASE',
    }),
    'pool-size': Flags.integer({
      description: 'Maximum connections to the PostgreSQL server. [env: PIPECTL_POOL_SIZE] [default: 10]',
      helpGroup: 'DATABASE',
      min: 1,
    }),
    debug: Flags.boolean({ description: 'Print stack traces with errors.', helpGroup: 'GLOBAL' }),
  };

  protected flags!: InferredFlags<T>;
  protected args!: InferredArgs<T>;
  /** Every positional argument, for commands that take a list (`strict = false`). */
  protected positional!: string[];
  /** The resolved configuration (env, then defaults, then flags). */
  protected settings!: Config;
  readonly #opened: OpenedDatabase[] = [];

  override async init(): Promise<void> {
    await super.init();
    const { args, argv, flags } = await this.parse({
      flags: this.ctor.flags,
      baseFlags: (super.ctor as typeof BaseCommand).baseFlags,
      enableJsonFlag: this.ctor.enableJsonFlag,
      args: withoutStdin(this.ctor.args),
      strict: this.ctor.strict,
    });
    this.flags = flags as InferredFlags<T>;
    this.args = args as InferredArgs<T>;
    this.positional = argv as string[];
    this.settings = resolveConfig(flags);
  }

  /** Opens the configured database; it is closed when the command ends, whatever happens. */
  protected async openDatabase(options?: OpenOptions): Promise<OpenedDatabase> {
    const opened = await openDatabase(this.settings, options);
    this.#opened.push(opened);
    return opened;
  }

  /** One line on stderr (plus a JSON error document with --json), the documented exit code, no stack unless --debug. */
  protected override async catch(err: OclifError): Promise<void> {
    if (err.code === 'EEXIT') throw err;
    // A usage error is the parse's outcome; without this oclif warns that the command never parsed.
    this.parsed = true;
    const debug = this.settings?.debug ?? process.argv.includes('--debug');
    const usage = typeof err.oclif?.exit === 'number' && !(err instanceof PipectlError);
    const error = usage ? new PipectlError('usage', usageMessage(err.message)) : coerceError(err);
    if (this.jsonEnabled()) {
      this.logJson({ error: { code: error.code, message: error.message, exitCode: error.exitCode } });
    }
    process.stderr.write(`pipectl: ${error.message}${usage ? ' (see --help)' : ''}\n`);
    if (debug) process.stderr.write(`${(error.cause as Error | undefined)?.stack ?? error.stack}\n`);
    process.exitCode = error.exitCode;
  }

  protected override async finally(err: Error | undefined): Promise<void> {
    for (const opened of this.#opened.splice(0)) await opened.close().catch(() => {});
    await super.finally(err);
  }

  /** Ends the command with an exit code after it has printed its result ("ran and found a problem"). */
  protected setExitCode(code: ExitCode): void {
    process.exitCode = code;
  }

  protected override get ctor(): T {
    return this.constructor as T;
  }
}

/**
 * oclif reads piped stdin into a missing first argument unless the argument says `ignoreStdin`.
 * pipectl never takes an argument from stdin: `domains add --file -` must find stdin unread, and
 * a `while read` loop that calls pipectl must keep the rest of its input. Applied here so that
 * no command can forget it.
 */
function withoutStdin(args: Interfaces.ArgInput | undefined): Interfaces.ArgInput {
  return Object.fromEntries(Object.entries(args ?? {}).map(([name, arg]) => [name, { ...arg, ignoreStdin: true }]));
}

export { ExitCode };
