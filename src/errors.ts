/**
 * Exit codes are a contract with CI jobs and cron (README.md, "Exit codes"): they are mapped in one place.
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

/** What pipectl knows of an error code met on a database connection. */
interface ConnectionCode {
  /**
   * The connection went away or the server cannot take it now; the query was not wrong. The
   * worker waits and tries again instead of failing jobs (`isConnectionError`, reconnect.ts).
   */
  lost: boolean;
  /** What to tell a user whose command could not connect (`connectionError`). */
  describe?: (t: ConnectionTarget) => string;
}

/** The one table of connection error codes: SQLSTATEs, then Node socket errors. */
const connectionCodes: Record<string, ConnectionCode> = {
  // Class 28 and 3D000: the configuration is wrong, and retrying cannot help.
  '28P01': {
    lost: false,
    describe: (t) => `password authentication failed for user "${t.user}" — check the credentials in DATABASE_URL`,
  },
  '28000': {
    lost: false,
    describe: (t) =>
      `the server rejected user "${t.user}" (pg_hba.conf) — check DATABASE_URL and the server's access rules`,
  },
  '3D000': {
    lost: false,
    describe: (t) => `database "${t.database}" does not exist on ${t.host}:${t.port} — create it or fix DATABASE_URL`,
  },
  // Class 08: connection exception.
  '08000': { lost: true },
  '08001': { lost: true },
  '08003': { lost: true },
  '08004': { lost: true },
  '08006': { lost: true },
  // Class 57P: operator intervention (admin shutdown, crash shutdown, cannot connect now).
  '57P01': { lost: true },
  '57P02': { lost: true },
  '57P03': {
    lost: true,
    describe: (t) => `the server at ${t.host}:${t.port} is starting up or shutting down — try again shortly`,
  },
  // Too many connections: the server is full, not the job wrong.
  '53300': {
    lost: true,
    describe: (t) =>
      `the server at ${t.host}:${t.port} has too many connections — lower --pool-size or raise max_connections`,
  },
  ECONNREFUSED: {
    lost: true,
    describe: (t) =>
      `cannot connect to ${t.host}:${t.port}: connection refused — is PostgreSQL running? set DATABASE_URL`,
  },
  ECONNRESET: {
    lost: true,
    describe: (t) => `the connection to ${t.host}:${t.port} was reset — is PostgreSQL running? set DATABASE_URL`,
  },
  EPIPE: { lost: true },
  ETIMEDOUT: {
    lost: true,
    describe: (t) => `cannot connect to ${t.host}:${t.port}: timed out — is the server reachable? set DATABASE_URL`,
  },
  ENOTFOUND: {
    lost: true,
    describe: (t) => `cannot connect to ${t.host}:${t.port}: host not found — check the host name in DATABASE_URL`,
  },
  EAI_AGAIN: {
    lost: true,
    describe: (t) => `cannot connect to ${t.host}:${t.port}: DNS lookup failed — check the host name in DATABASE_URL`,
  },
  EHOSTUNREACH: {
    lost: false,
    describe: (t) => `cannot connect to ${t.host}:${t.port}: host unreachable — check DATABASE_URL`,
  },
};

/** Whether an error code (`errorCode`) means a lost or refused database connection rather than a wrong query. */
export function isLostConnectionCode(code: string): boolean {
  return connectionCodes[code]?.lost === true;
}

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
      const timedOut = connectionCodes.ETIMEDOUT?.describe?.(target) ?? err.message;
      return new PipectlError('db_unreachable', timedOut, { cause: err });
    }
    return undefined;
  }
  const describe = connectionCodes[code]?.describe;
  return describe ? new PipectlError('db_unreachable', describe(target), { cause: err }) : undefined;
}

/** Normalizes anything thrown into a PipectlError: unknown failures keep their message and exit 2. */
export function coerceError(err: unknown): PipectlError {
  if (err instanceof PipectlError) return err;
  if (err instanceof Error) return new PipectlError('unexpected', err.message || err.name, { cause: err });
  return new PipectlError('unexpected', String(err), { cause: err });
}
