import { type Logger, pino } from 'pino';

export type LogFormat = 'json' | 'pretty';

const levelNames: Record<number, string> = {
  10: 'trace',
  20: 'debug',
  30: 'info',
  40: 'warn',
  50: 'error',
  60: 'fatal',
};

/**
 * JSON log lines on stdout (for log shippers, when output is not a terminal), or short human
 * lines on stderr (on a terminal, beside the progress display). Secrets are redacted by path.
 */
export function createLogger(format: LogFormat, level = 'info', beforeWrite?: () => void): Logger {
  const redact = {
    paths: ['databaseUrl', 'webhookUrl', 'slackWebhookUrl', '*.databaseUrl', '*.webhookUrl', '*.slackWebhookUrl'],
    censor: '***',
  };
  if (format === 'json') return pino({ level, redact, base: { pid: process.pid } });
  return pino(
    { level, redact, base: undefined, timestamp: false },
    {
      write(line: string) {
        const { level: n, msg, ...rest } = JSON.parse(line) as Record<string, unknown>;
        const extra = Object.entries(rest)
          .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
          .join(' ');
        beforeWrite?.();
        process.stderr.write(
          `${new Date().toISOString().slice(11, 19)} ${levelNames[n as number] ?? n} ${msg}${extra ? ` ${extra}` : ''}\n`,
        );
      },
    },
  );
}
