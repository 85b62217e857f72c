import { describe, expect, it } from 'vitest';
import { PipectlError } from '../../src/errors.js';
import { matchConnectTo, parseConnectTo, parseConnectToList } from '../../src/fetch/connect-to.js';

describe('parseConnectTo', () => {
  it('reads HOST:PORT:ADDR:PORT2', () => {
    expect(parseConnectTo('jenkinseyecare.com:443:127.0.0.1:8443')).toMatchObject({
      host: 'jenkinseyecare.com',
      port: 443,
      address: '127.0.0.1',
      addressPort: 8443,
    });
  });

  it('leaves empty fields as wildcards or "keep the original"', () => {
    expect(parseConnectTo('::127.0.0.1:')).toMatchObject({
      host: undefined,
      port: undefined,
      address: '127.0.0.1',
      addressPort: undefined,
    });
    expect(parseConnectTo('Shop.Example:80::')).toMatchObject({ host: 'shop.example', address: undefined });
  });

  it('reads bracketed IPv6 addresses', () => {
    expect(parseConnectTo('[2001:db8::1]:443:[::1]:8443')).toMatchObject({
      host: '2001:db8::1',
      port: 443,
      address: '::1',
      addressPort: 8443,
    });
  });

  it.each([
    'jenkinseyecare.com:443:127.0.0.1',
    'a:b:c:d:e',
    'h:99999:127.0.0.1:80',
    'h:80:127.0.0.1:http',
    'h:80:[nope]:80',
    '',
  ])('rejects %j with a configuration error that quotes it', (spec) => {
    expect(() => parseConnectTo(spec)).toThrow(PipectlError);
    try {
      parseConnectTo(spec);
    } catch (err) {
      expect((err as PipectlError).exitCode).toBe(2);
      expect((err as Error).message).toContain('--connect-to');
    }
  });
});

describe('the ADDR of a --connect-to rule', () => {
  it.each(['999.1.1.1', '1.2.3', '256.0.0.1', 'bad host', 'a..b', '-x.example', 'example.123'])(
    'refuses the impossible address %s at start-up',
    (address) => {
      expect(() => parseConnectTo(`a.com:80:${address}:80`)).toThrow(
        `--connect-to "a.com:80:${address}:80": ${address} is neither an IPv4 address nor a host name`,
      );
    },
  );

  it.each(['127.0.0.1', 'localhost', 'origin-1.internal.example', 'Site.Example.'])('accepts %s', (address) => {
    expect(parseConnectTo(`a.com:80:${address}:80`).address).toBe(address.toLowerCase());
  });
});

describe('parseConnectToList', () => {
  it('reads flags first, then the comma-separated environment variable', () => {
    const rules = parseConnectToList(
      ['a.example:80:127.0.0.1:1'],
      ' b.example:80:127.0.0.1:2 , ,c.example::127.0.0.1:3',
    );
    expect(rules.map((r) => r.host)).toEqual(['a.example', 'b.example', 'c.example']);
  });
});

describe('matchConnectTo', () => {
  const rules = parseConnectToList([
    'jenkinseyecare.com:443:127.0.0.1:8443',
    'jenkinseyecare.com::127.0.0.1:8080',
    ':80:10.0.0.9:',
  ]);

  it('takes the first rule that matches host and port', () => {
    expect(matchConnectTo(rules, 'JenkinsEyeCare.com', 443)).toMatchObject({ address: '127.0.0.1', port: 8443 });
    expect(matchConnectTo(rules, 'jenkinseyecare.com', 80)).toMatchObject({ address: '127.0.0.1', port: 8080 });
  });

  it('keeps the original port when PORT2 is empty, and matches any host when HOST is empty', () => {
    expect(matchConnectTo(rules, 'other.example', 80)).toMatchObject({ address: '10.0.0.9', port: 80 });
  });

  it('returns undefined when nothing matches', () => {
    expect(matchConnectTo(rules, 'other.example', 443)).toBeUndefined();
  });
});
