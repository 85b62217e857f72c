import { Flags } from '@oclif/core';
import { BaseCommand } from '../base-command.js';
import { processOptions } from '../cli/process-options.js';
import { userJobTypes } from '../db/schema.js';
import { PipectlError } from '../errors.js';
import type { HttpClient } from '../fetch/http-client.js';
import type { Scheme } from '../fetch/site-fetch.js';
import { createLogger } from '../logger.js';
import { createStageRegistry } from '../pipeline/stages/registry.js';
import { listenForJobs } from '../pipeline/worker/listen-for-jobs.js';
import { ProgressDisplay } from '../pipeline/worker/progress-display.js';
import { Worker, type WorkerEvent, type WorkerSummary } from '../pipeline/worker/worker.js';

/** `process --json`: what the worker did before it stopped, and why it stopped. */
export type ProcessResult = WorkerSummary;

export default class Process extends BaseCommand<typeof Process> {
  static override summary = 'Run a worker: domains → sitemaps (WF4) → pages (WF5) → contacts (WF7).';
  static override description =
    `Claims jobs from the database and runs them. Every worker also takes in queued domains and rescues jobs whose worker died, so there is no separate scheduler to forget. Run as many workers as you like, on as many hosts, against one PostgreSQL server.

SIGINT/SIGTERM stop claiming, give running jobs --shutdown-grace to finish, then return the rest to pending. A second signal exits at once.`;
  static override examples = [
    '<%= config.bin %> <%= command.id %> --until-idle',
    'DATABASE_URL=postgres://pipectl@db/pipeline <%= config.bin %> <%= command.id %> --concurrency 16',
    '<%= config.bin %> <%= command.id %> --stage sitemap --stage page_import',
  ];

  static override flags = {
    concurrency: Flags.integer({ char: 'c', description: 'Jobs run at once.', default: 4, min: 1, max: 1000 }),
    stage: Flags.string({
      description: `Run only these stages (repeatable): ${userJobTypes.join(', ')}. [default: all]`,
      multiple: true,
    }),
    'until-idle': Flags.boolean({
      description:
        'Exit when no job is runnable or untried and no domain is queued (retries scheduled later are not waited for).',
    }),
    'idle-horizon': Flags.string({
      description:
        'With --until-idle: how far ahead to wait for untried jobs scheduled later; those due later are left pending and logged.',
      default: '5m',
    }),
    'max-jobs': Flags.integer({ description: 'Exit after this many jobs.', min: 1 }),
    'poll-interval': Flags.string({
      description: 'How often to poll, take in domains and rescue leases.',
      default: '2s',
    }),
    lease: Flags.string({
      description: 'How long a job is held without a heartbeat before others rescue it.',
      default: '60s',
    }),
    'shutdown-grace': Flags.string({ description: 'How long shutdown waits for running jobs.', default: '10s' }),
    'retry-delay': Flags.string({
      description: 'Delay before the first retry; doubles each attempt, with jitter.',
      default: '10s',
    }),
    'max-urls': Flags.integer({
      description: 'Pages imported per domain (WF5), across all its sitemaps.',
      default: 1000,
      min: 1,
    }),
    'user-agent': Flags.string({
      description: 'The User-Agent of every request, also the name robots.txt rules are matched against.',
    }),
    'connect-to': Flags.string({
      description:
        'HOST:PORT:ADDR:PORT2 — connect to ADDR:PORT2 for HOST:PORT (curl semantics; repeatable). [env: PIPECTL_CONNECT_TO, comma-separated]',
      multiple: true,
    }),
    scheme: Flags.option({
      description: 'How a domain becomes a URL: auto tries https, then http.',
      options: ['auto', 'https', 'http'] as const satisfies readonly Scheme[],
      default: 'auto' as const,
    })(),
    'http-timeout': Flags.string({
      description: 'Longest wait for response headers, and for each chunk of a body, per request.',
      default: '20s',
    }),
    'host-concurrency': Flags.integer({
      description: 'Requests in flight to one host at once (politeness).',
      default: 2,
      min: 1,
    }),
    'host-delay': Flags.string({
      description: 'Least time between two request starts to one host (politeness).',
      default: '100ms',
    }),
    'allow-private-network': Flags.boolean({
      description:
        'Allow fetching loopback, private, link-local and multicast addresses (refused by default: SSRF guard).',
    }),
    'metrics-port': Flags.integer({
      description: 'Serve Prometheus /metrics and /healthz on this port.',
      min: 0,
      max: 65535,
    }),
    'metrics-host': Flags.string({ description: 'Address the metrics server listens on.', default: '127.0.0.1' }),
    'log-format': Flags.option({
      description: 'Logs as JSON lines on stdout, or short lines with live progress on a terminal.',
      options: ['auto', 'json', 'pretty'] as const,
      default: 'auto' as const,
    })(),
  };

  async run(): Promise<ProcessResult> {
    const f = this.flags;
    const options = processOptions(f, {
      userAgent: `pipectl/${this.config.version} (+sitemap discovery)`,
      connectTo: this.settings.connectTo,
    });
    const tty = f['log-format'] === 'pretty' || (f['log-format'] === 'auto' && process.stderr.isTTY === true);
    const progress = tty ? new ProgressDisplay() : undefined;
    const logger = createLogger(tty ? 'pretty' : 'json', tty ? 'warn' : 'info', progress?.clear);

    const opened = await this.openDatabase({ minPoolSize: f.concurrency + 4 });
    const url = this.settings.databaseUrl;
    const metrics =
      f['metrics-port'] === undefined
        ? undefined
        : // Imported only with --metrics-port: prom-client is a tenth of a worker's start-up.
          await (await import('../pipeline/worker/metrics-server.js'))
            .startMetricsServer(opened.db, { port: f['metrics-port'], host: f['metrics-host'] })
            .catch((err: Error) => {
              throw new PipectlError(
                'usage',
                `cannot serve metrics on ${f['metrics-host']}:${f['metrics-port']}: ${err.message}`,
              );
            });
    if (metrics) logger.info({ port: metrics.port }, 'serving /metrics and /healthz');
    const onEvent = (e: WorkerEvent) => {
      progress?.onEvent(e);
      metrics?.onEvent(e);
    };
    // undici and the fetch layer load with the first job that fetches, not at start-up.
    let client: Promise<HttpClient> | undefined;
    const httpClient = () => {
      client ??= import('../fetch/http-client.js').then(({ HttpClient }) => new HttpClient(options.http));
      return client;
    };
    const worker = new Worker({
      db: opened.db,
      stages: createStageRegistry(options.stages, { client: httpClient, ...options.stageDeps }),
      logger,
      ...options.worker,
      version: this.config.version,
      listen: url ? (wake) => listenForJobs(url, logger, wake) : undefined,
      onEvent,
    });

    let signals = 0;
    const onSignal = (signal: NodeJS.Signals) => {
      signals++;
      if (signals > 1) {
        logger.warn({ signal }, 'second signal: exiting now; unfinished jobs will be rescued when their lease expires');
        process.exit(130);
      }
      logger.warn({ signal }, 'stopping: no new jobs; running jobs get the shutdown grace period');
      worker.stop();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    progress?.start();
    try {
      const summary = await worker.run();
      progress?.stop();
      if (tty) {
        this.log(
          `worker ${summary.workerId} stopped (${summary.reason}) after ${(summary.durationMs / 1000).toFixed(1)}s: ` +
            `${summary.completed} completed, ${summary.failed} failed, ${summary.retried} to retry, ` +
            `${summary.rescued} rescued, ${summary.released} returned to pending`,
        );
      }
      return summary;
    } finally {
      await metrics?.close();
      await (await client)?.close();
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  }
}
