import { isUserJobType, type JobType, testJobType, userJobTypes } from '../db/schema.js';
import { parseDurationMs } from '../duration.js';
import { PipectlError } from '../errors.js';
import { parseConnectToList } from '../fetch/connect-to.js';
import type { HttpClientOptions } from '../fetch/http-client.js';
import type { Scheme } from '../fetch/site-fetch.js';
import type { StageDeps } from '../pipeline/stages/registry.js';
import type { WorkerOptions } from '../pipeline/worker/worker.js';
import { parseLeaseSeconds, parsePollIntervalMs, parseUserAgent } from './parse-worker-flags.js';

/** The `pipectl process` flags that shape the worker, the HTTP client and the stages, as oclif parsed them. */
export interface ProcessFlags {
  concurrency: number;
  stage?: string[];
  'until-idle': boolean;
  'idle-horizon': string;
  'max-jobs'?: number;
  'poll-interval': string;
  lease: string;
  'shutdown-grace': string;
  'retry-delay': string;
  'max-urls': number;
  'user-agent'?: string;
  'connect-to'?: string[];
  scheme: Scheme;
  'http-timeout': string;
  'host-concurrency': number;
  'host-delay': string;
  'allow-private-network': boolean;
}

/** What `process` builds its worker from. */
export interface ProcessOptions {
  /** The job types to claim: every user stage unless `--stage` names some. */
  stages: JobType[];
  http: HttpClientOptions;
  /** The stages' settings; the HTTP client is made from `http` on the first job that fetches. */
  stageDeps: Omit<StageDeps, 'client'>;
  worker: Required<
    Pick<
      WorkerOptions,
      'concurrency' | 'pollIntervalMs' | 'leaseSeconds' | 'shutdownGraceMs' | 'backoff' | 'untilIdle' | 'idleHorizonMs'
    >
  > &
    Pick<WorkerOptions, 'maxJobs'>;
}

/** The longest delay between retries of a job. */
const maxRetryDelayMs = 3_600_000;

/**
 * Maps the flags of `pipectl process` to its options, checking each: a bad value is a usage
 * error that names its flag, raised before the database is opened. Pure, so that every flag's
 * meaning is tested without starting a worker.
 *
 * `defaults.userAgent` is the User-Agent without `--user-agent`; `defaults.connectTo` is
 * `PIPECTL_CONNECT_TO` (comma-separated rules, added to `--connect-to`).
 */
export function processOptions(f: ProcessFlags, defaults: { userAgent: string; connectTo?: string }): ProcessOptions {
  // Checked in this order, so that the first bad flag is the one named.
  const named: readonly string[] = f.stage ?? userJobTypes;
  const stages = named.map(stageOf);
  const leaseSeconds = parseLeaseSeconds(f.lease);
  const pollIntervalMs = parsePollIntervalMs(f['poll-interval']);
  const userAgent = parseUserAgent(f['user-agent'] ?? defaults.userAgent);
  const connectTo = parseConnectToList(f['connect-to'] ?? [], defaults.connectTo);
  const httpTimeoutMs = parseDurationMs(f['http-timeout'], '--http-timeout');
  const perHostDelayMs = parseDurationMs(f['host-delay'], '--host-delay');
  return {
    stages,
    http: {
      userAgent,
      connectTo,
      allowPrivateNetwork: f['allow-private-network'],
      headersTimeoutMs: httpTimeoutMs,
      bodyTimeoutMs: httpTimeoutMs,
      perHostConcurrency: f['host-concurrency'],
      perHostDelayMs,
    },
    stageDeps: { scheme: f.scheme, maxUrls: f['max-urls'] },
    worker: {
      concurrency: f.concurrency,
      pollIntervalMs,
      leaseSeconds,
      shutdownGraceMs: parseDurationMs(f['shutdown-grace'], '--shutdown-grace'),
      backoff: { baseMs: parseDurationMs(f['retry-delay'], '--retry-delay'), maxMs: maxRetryDelayMs },
      untilIdle: f['until-idle'],
      idleHorizonMs: parseDurationMs(f['idle-horizon'], '--idle-horizon'),
      maxJobs: f['max-jobs'],
    },
  };
}

/** A `--stage` value: a user stage, or the test-only job type (accepted, never advertised). */
function stageOf(name: string): JobType {
  if (isUserJobType(name) || name === testJobType) return name;
  throw new PipectlError('usage', `unknown stage "${name}" — choose from ${userJobTypes.join(', ')}`);
}
