import { describe, expect, it } from 'vitest';
import { coerceError, connectionError, errorCode, PipectlError } from '../src/errors.js';
import { isConnectionError } from '../src/pipeline/worker/reconnect.js';

const coded = (code: string, message = code) => Object.assign(new Error(message), { code });
const target = { host: 'db.example', port: 5432, user: 'pipectl', database: 'crawl' };

describe('errorCode', () => {
  it('reads the code of the error, else of its first aggregated error, else of its cause', () => {
    expect(errorCode(coded('ECONNREFUSED'))).toBe('ECONNREFUSED');
    expect(errorCode(new AggregateError([coded('ECONNREFUSED'), coded('ETIMEDOUT')]))).toBe('ECONNREFUSED');
    expect(errorCode(new Error('fetch failed', { cause: coded('UND_ERR_CONNECT_TIMEOUT') }))).toBe(
      'UND_ERR_CONNECT_TIMEOUT',
    );
    expect(errorCode(new Error('outer', { cause: new AggregateError([coded('EHOSTUNREACH')]) }))).toBe('EHOSTUNREACH');
  });

  it('is undefined for anything without a code, and ends on a cause that loops', () => {
    expect(errorCode(new Error('plain'))).toBeUndefined();
    expect(errorCode('a string')).toBeUndefined();
    expect(errorCode(null)).toBeUndefined();
    expect(errorCode({ code: 42 })).toBeUndefined();
    const loop = new Error('loop') as Error & { cause?: unknown };
    loop.cause = loop;
    expect(errorCode(loop)).toBeUndefined();
  });
});

describe('the connection error codes', () => {
  it('give a failed open a one-line message that says what to do', () => {
    expect(connectionError(coded('28P01'), target)?.message).toBe(
      'password authentication failed for user "pipectl" — check the credentials in DATABASE_URL',
    );
    expect(connectionError(new AggregateError([coded('ECONNREFUSED')]), target)?.message).toBe(
      'cannot connect to db.example:5432: connection refused — is PostgreSQL running? set DATABASE_URL',
    );
    expect(connectionError(new Error('timeout expired'), target)?.message).toBe(
      'cannot connect to db.example:5432: timed out — is the server reachable? set DATABASE_URL',
    );
    expect(connectionError(coded('42P01'), target)).toBeUndefined();
  });

  it('tell the worker which failures are a lost connection to wait out, not a wrong query', () => {
    const lost = ['08000', '08001', '08003', '08004', '08006', '57P01', '57P02', '57P03', '53300'];
    const socket = ['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN'];
    for (const code of [...lost, ...socket]) expect(isConnectionError(coded(code)), code).toBe(true);
    for (const code of ['28P01', '28000', '3D000', '42P01', '23505', '22008', 'EHOSTUNREACH']) {
      expect(isConnectionError(coded(code)), code).toBe(false);
    }
    expect(isConnectionError(new AggregateError([coded('ENETUNREACH'), coded('ECONNREFUSED')]))).toBe(true);
    expect(isConnectionError(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isConnectionError('Connection terminated')).toBe(false);
  });
});

describe('coerceError', () => {
  it('keeps a PipectlError, and turns anything else into one with its message', () => {
    const known = new PipectlError('usage', 'bad flag');
    expect(coerceError(known)).toBe(known);
    expect(coerceError(new Error('boom'))).toMatchObject({ code: 'unexpected', message: 'boom', exitCode: 2 });
    expect(coerceError(new TypeError(''))).toMatchObject({ message: 'TypeError' });
    expect(coerceError('a string')).toMatchObject({ message: 'a string' });
  });
});
