import { describe, expect, it } from 'vitest';
import { type ProcessFlags, processOptions } from '../../src/cli/process-options.js';
import { PipectlError } from '../../src/errors.js';

/** `pipectl process` with no flag given: oclif's defaults. */
const defaults: ProcessFlags = {
  concurrency: 4,
  'until-idle': false,
  'idle-horizon': '5m',
  'poll-interval': '2s',
  lease: '60s',
  'shutdown-grace': '10s',
  'retry-delay': '10s',
  'max-urls': 1000,
  scheme: 'auto',
  'http-timeout': '20s',
  'host-concurrency': 2,
  'host-delay': '100ms',
  'allow-private-network': false,
};
const context = { userAgent: 'pipectl/1.2.3 (+sitemap discovery)' };

const usageError = (run: () => unknown): PipectlError => {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(PipectlError);
    expect((err as PipectlError).exitCode).toBe(2);
    return err as PipectlError;
  }
  throw new Error('expected a usage error');
};

describe('the flags of pipectl process, mapped to its options', () => {
  it('without flags: every user stage, and each default in its unit', () => {
    expect(processOptions(defaults, context)).toEqual({
      stages: ['sitemap', 'page_import', 'contact_scan'],
      http: {
        userAgent: 'pipectl/1.2.3 (+sitemap discovery)',
        connectTo: [],
        allowPrivateNetwork: false,
        headersTimeoutMs: 20_000,
        bodyTimeoutMs: 20_000,
        perHostConcurrency: 2,
        perHostDelayMs: 100,
      },
      stageDeps: { scheme: 'auto', maxUrls: 1000 },
      worker: {
        concurrency: 4,
        pollIntervalMs: 2000,
        leaseSeconds: 60,
        shutdownGraceMs: 10_000,
        backoff: { baseMs: 10_000, maxMs: 3_600_000 },
        untilIdle: false,
        idleHorizonMs: 300_000,
        maxJobs: undefined,
      },
    });
  });

  it('gives each flag to the option it names', () => {
    const o = processOptions(
      {
        ...defaults,
        concurrency: 16,
        stage: ['page_import', 'sitemap'],
        'until-idle': true,
        'idle-horizon': '1m',
        'max-jobs': 7,
        'poll-interval': '500ms',
        lease: '30s',
        'shutdown-grace': '3s',
        'retry-delay': '2s',
        'max-urls': 40,
        'user-agent': 'mybot/1.0 (+https://example.com/bot)',
        'connect-to': ['a.com:443:127.0.0.1:8443'],
        scheme: 'http',
        'http-timeout': '5s',
        'host-concurrency': 1,
        'host-delay': '1s',
        'allow-private-network': true,
      },
      { ...context, connectTo: 'b.com:80:127.0.0.1:8080' },
    );
    expect(o.stages).toEqual(['page_import', 'sitemap']);
    expect(o.http).toMatchObject({
      userAgent: 'mybot/1.0 (+https://example.com/bot)',
      allowPrivateNetwork: true,
      headersTimeoutMs: 5000,
      bodyTimeoutMs: 5000,
      perHostConcurrency: 1,
      perHostDelayMs: 1000,
    });
    // The flags' rules first, then the environment's: the first matching rule applies.
    expect(o.http.connectTo?.map((r) => r.source)).toEqual(['a.com:443:127.0.0.1:8443', 'b.com:80:127.0.0.1:8080']);
    expect(o.stageDeps).toEqual({ scheme: 'http', maxUrls: 40 });
    expect(o.worker).toEqual({
      concurrency: 16,
      pollIntervalMs: 500,
      leaseSeconds: 30,
      shutdownGraceMs: 3000,
      backoff: { baseMs: 2000, maxMs: 3_600_000 },
      untilIdle: true,
      idleHorizonMs: 60_000,
      maxJobs: 7,
    });
  });

  it('accepts the test-only noop stage, which --help does not offer', () => {
    expect(processOptions({ ...defaults, stage: ['noop'] }, context).stages).toEqual(['noop']);
  });

  it('refuses an unknown stage, naming the stages users run', () => {
    expect(usageError(() => processOptions({ ...defaults, stage: ['sitemap', 'WF4'] }, context)).message).toBe(
      'unknown stage "WF4" — choose from sitemap, page_import, contact_scan',
    );
  });

  it.each([
    [{ 'http-timeout': 'soon' }, '--http-timeout'],
    [{ 'host-delay': '-1s' }, '--host-delay'],
    [{ 'shutdown-grace': 'ten seconds' }, '--shutdown-grace'],
    [{ 'retry-delay': 'x' }, '--retry-delay'],
    [{ 'idle-horizon': '' }, '--idle-horizon'],
    [{ lease: '1s' }, '--lease 1s is too short'],
    [{ 'poll-interval': '10ms' }, '--poll-interval 10ms is too short'],
  ] as const)('refuses %j, naming the flag', (flags, named) => {
    expect(usageError(() => processOptions({ ...defaults, ...flags }, context)).message).toContain(named);
  });

  it('names the first bad flag, in the order the flags were always checked', () => {
    const message = usageError(() =>
      processOptions({ ...defaults, stage: ['nope'], lease: '1s', 'http-timeout': 'soon' }, context),
    ).message;
    expect(message).toContain('unknown stage "nope"');
    expect(
      usageError(() => processOptions({ ...defaults, lease: '1s', 'http-timeout': 'soon' }, context)).message,
    ).toContain('--lease');
  });
});
