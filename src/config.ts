import path from 'node:path';
import { PipectlError } from './errors.js';

/** Everything a command needs to know about its environment, resolved once and frozen. */
export interface Config {
  /** PostgreSQL server URL (`DATABASE_URL` / `--database-url`); undefined means the embedded database. */
  readonly databaseUrl: string | undefined;
  /** Embedded database directory (`PIPECTL_DATA_DIR` / `--data-dir`), default `./.pipectl/data`, absolute. */
  readonly dataDir: string;
  /** Maximum connections in the server pool (`PIPECTL_POOL_SIZE` / `--pool-size`), default 10. */
  readonly poolSize: number;
  /** Environment name shown in alerts (`PIPECTL_ENV` / `--env-name`). */
  readonly envName: string | undefined;
  /**
   * Slack incoming-webhook URL (`SLACK_WEBHOOK_URL` / `--slack-webhook`). A secret: whoever has it
   * can post to the channel, so it is never printed, logged or put in an error message.
   */
  readonly slackWebhookUrl: string | undefined;
  /** `--connect-to` rules from the environment (`PIPECTL_CONNECT_TO`, comma-separated). */
  readonly connectTo: string | undefined;
  /** Print stack traces with errors (`--debug`). */
  readonly debug: boolean;
}

/** The flags that can override the environment; each is optional. */
export interface ConfigFlags {
  'database-url'?: string;
  'data-dir'?: string;
  'pool-size'?: number;
  'env-name'?: string;
  'slack-webhook'?: string;
  debug?: boolean;
}

export const defaultDataDir = './.pipectl/data';
export const defaultPoolSize = 10;

function positiveInteger(name: string, raw: string | number | undefined, fallback: number): number {
  if (raw === undefined || raw === '') return fallback;
  const value = typeof raw === 'number' ? raw : Number(raw);
  if (!Number.isInteger(value) || value < 1) {
    throw new PipectlError('invalid_config', `${name} must be a positive whole number, got "${raw}"`);
  }
  return value;
}

/**
 * pg 8 treats `sslmode` prefer, require and verify-ca as verify-full (the certificate and host
 * name are checked), and says so in a multi-line SECURITY WARNING on stderr. Spelling it
 * verify-full keeps that behaviour without the notice; `uselibpqcompat=true` (libpq's weaker
 * semantics) is left as written.
 */
function withExplicitSslMode(databaseUrl: string): string {
  const u = new URL(databaseUrl);
  const mode = u.searchParams.get('sslmode');
  if (u.searchParams.has('uselibpqcompat') || !['prefer', 'require', 'verify-ca'].includes(mode ?? '')) {
    return databaseUrl;
  }
  u.searchParams.set('sslmode', 'verify-full');
  return u.toString();
}

/**
 * Resolves the configuration: flags override environment variables, which override defaults.
 * This is the only place that reads `process.env`; everything else receives the frozen result.
 */
export function resolveConfig(flags: ConfigFlags = {}, env: NodeJS.ProcessEnv = process.env): Config {
  const databaseUrl = flags['database-url'] ?? (env.DATABASE_URL || undefined);
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new PipectlError(
      'invalid_config',
      'the database URL must start with postgres:// or postgresql:// — fix DATABASE_URL or --database-url',
    );
  }
  if (databaseUrl !== undefined && !URL.canParse(databaseUrl)) {
    // The URL itself is not printed: it may hold a password.
    throw new PipectlError(
      'invalid_config',
      'the database URL cannot be parsed (check the port, and percent-encode special characters in the user name and password) — fix DATABASE_URL or --database-url',
    );
  }
  return Object.freeze({
    databaseUrl: databaseUrl === undefined ? undefined : withExplicitSslMode(databaseUrl),
    // An empty --data-dir falls back like an empty PIPECTL_DATA_DIR: path.resolve('') is the
    // working directory, and a cluster written there is never what was meant.
    dataDir: path.resolve(flags['data-dir'] || env.PIPECTL_DATA_DIR || defaultDataDir),
    poolSize: positiveInteger('--pool-size', flags['pool-size'] ?? env.PIPECTL_POOL_SIZE, defaultPoolSize),
    envName: flags['env-name'] || env.PIPECTL_ENV || undefined,
    slackWebhookUrl: flags['slack-webhook'] || env.SLACK_WEBHOOK_URL || undefined,
    connectTo: env.PIPECTL_CONNECT_TO || undefined,
    debug: flags.debug ?? false,
  });
}
