/**
 * Exit codes are a contract with CI jobs and cron (design §10): they are mapped in one place.
 * - 0: success.
 * - 1: the command ran and found a problem (failing checks, rejected inputs, unknown domain).
 * - 2: usage, configuration or connection error, or a check that could not run.
 */
export const ExitCode = {
  ok: 0,
  problem: 1,
  error: 2,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** A failure pipectl understands: a stable `code`, a one-line message that says what to do, and its exit code. */
export class PipectlError extends Error {
  readonly code: string;
  readonly exitCode: ExitCode;

  constructor(code: string, message: string, options: { exitCode?: ExitCode; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'PipectlError';
    this.code = code;
    this.exitCode = options.exitCode ?? ExitCode.error;
  }
}

/** Where a connection was headed, so that connection errors can name it. */
export interface ConnectionTarget {
  host: string;
  port: number;
  user?: string;
  database?: string;
}

/** SQLSTATE classes that mean "the configuration is wrong", with what to tell the user. */
const connectionSqlStates: Record<string, (t: ConnectionTarget) => string> = {
  '28P01': (t) => `password authentication failed for user "${t.user}" — check the credentials in DATABASE_URL`,
  '28000': (t) =>
    `the server rejected user "${t.user}" (pg_hba.conf) — check DATABASE_URL and the server's access rules`,
  '3D000': (t) => `database "${t.database}" does not exist on ${t.host}:${t.port} — create it or fix DATABASE_URL`,
  '57P03': (t) => `the server at ${t.host}:${t.port} is starting up or shutting down — try again shortly`,
  '53300': (t) =>
    `the server at ${t.host}:${t.port} has too many connections — lower --pool-size or raise max_connections`,
};

/** Node socket errors that mean "no server there", with what to tell the user. */
const socketErrors: Record<string, (t: ConnectionTarget) => string> = {
  ECONNREFUSED: (t) =>
    `cannot connect to ${t.host}:${t.port}: connection refused — is PostgreSQL running? set DATABASE_URL`,
  ENOTFOUND: (t) => `cannot connect to ${t.host}:${t.port}: host not found — check the host name in DATABASE_URL`,
  EAI_AGAIN: (t) => `cannot connect to ${t.host}:${t.port}: DNS lookup failed — check the host name in DATABASE_URL`,
  ETIMEDOUT: (t) => `cannot connect to ${t.host}:${t.port}: timed out — is the server reachable? set DATABASE_URL`,
  EHOSTUNREACH: (t) => `cannot connect to ${t.host}:${t.port}: host unreachable — check DATABASE_URL`,
  ECONNRESET: (t) => `the connection to ${t.host}:${t.port} was reset — is PostgreSQL running? set DATABASE_URL`,
};

/**
 * The `code` of an error (a SQLSTATE, a Node errno such as `ECONNREFUSED`, an undici code), or
 * undefined. An error without one is looked into: the first of an AggregateError's `errors`
 * (Node 20 reports a refused dual-stack connect to localhost as one error per address), else its
 * `cause` (undici wraps socket errors).
 */
export function errorCode(err: unknown): string | undefined {
  let e = err;
  // Bounded: a cause chain can loop.
  for (let depth = 0; depth < 8 && typeof e === 'object' && e !== null; depth++) {
    const { code, errors, cause } = e as { code?: unknown; errors?: unknown; cause?: unknown };
    if (typeof code === 'string') return code;
    e = Array.isArray(errors) && errors.length > 0 ? errors[0] : cause;
  }
  return undefined;
}

/** Turns an error from opening a connection into a one-line PipectlError, or undefined if it is not one. */
export function connectionError(err: unknown, target: ConnectionTarget): PipectlError | undefined {
  const code = errorCode(err);
  if (code === undefined) {
    if (err instanceof Error && /timeout/i.test(err.message)) {
      return new PipectlError('db_unreachable', socketErrors.ETIMEDOUT?.(target) ?? err.message, { cause: err });
    }
    return undefined;
  }
  const describe = connectionSqlStates[code] ?? socketErrors[code];
  return describe ? new PipectlError('db_unreachable', describe(target), { cause: err }) : undefined;
}

/** Normalises anything thrown into a PipectlError: unknown failures keep their message and exit 2. */
export function coerceError(err: unknown): PipectlError {
  if (err instanceof PipectlError) return err;
  if (err instanceof Error) return new PipectlError('unexpected', err.message || err.name, { cause: err });
  return new PipectlError('unexpected', String(err), { cause: err });
}
