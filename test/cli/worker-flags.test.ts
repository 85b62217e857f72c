import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseLeaseSeconds, parsePollIntervalMs, parseUserAgent } from '../../src/cli/parse-worker-flags.js';
import { runCli } from '../helpers/cli.js';

const env = () => ({ PIPECTL_DATA_DIR: path.join(mkdtempSync(path.join(os.tmpdir(), 'pipectl-wflags-')), 'data') });

describe('process refuses at start-up, with exit 2', { timeout: 120_000 }, () => {
  it.each([
    [['--lease', '0s'], '--lease 0s is too short'],
    [['--lease', '1999ms'], '--lease 1999ms is too short'],
    [['--poll-interval', '0s'], '--poll-interval 0s is too short'],
    [['--poll-interval', '30d'], '--poll-interval 30d is too long'],
    [
      ['--user-agent', 'bot\r\nX-Injected: 1'],
      '--user-agent "bot\\r\\nX-Injected: 1" cannot be sent in an HTTP header',
    ],
    [['--user-agent', 'bötü/1.0 ☃'], '--user-agent "bötü/1.0 ☃" cannot be sent in an HTTP header'],
    [['--connect-to', 'a.com:80:999.1.1.1:80'], '999.1.1.1 is neither an IPv4 address nor a host name'],
  ])('pipectl process %j, in one line', async (flags, message) => {
    const r = await runCli(['process', '--until-idle', ...flags], { env: env() });
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')).toHaveLength(2);
    expect(r.stderr).toContain(message);
  });
});

describe('worker flag bounds', () => {
  it('accept a lease of at least 2s, whose heartbeat (a third of it) keeps a live worker its jobs', () => {
    expect(parseLeaseSeconds('2s')).toBe(2);
    expect(parseLeaseSeconds('60s')).toBe(60);
    expect(() => parseLeaseSeconds('1ms')).toThrow(/use at least 2s/);
  });

  it('accept a poll interval from 100ms, not a busy loop', () => {
    expect(parsePollIntervalMs('100ms')).toBe(100);
    expect(() => parsePollIntervalMs('99ms')).toThrow(/use at least 100ms/);
  });

  it('accept a user agent of visible ASCII and inner spaces only', () => {
    expect(parseUserAgent('pipectl/0.1.0 (+sitemap discovery)')).toBe('pipectl/0.1.0 (+sitemap discovery)');
    for (const bad of ['', ' bot', 'bot\t1', 'bot\u007f', 'bot\u00e9'])
      expect(() => parseUserAgent(bad)).toThrow(/HTTP header/);
  });
});
