import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../src/config.js';
import { PipectlError } from '../src/errors.js';

describe('resolveConfig', () => {
  it('uses defaults when nothing is set', () => {
    const c = resolveConfig({}, {});
    expect(c).toEqual({
      databaseUrl: undefined,
      dataDir: path.resolve('.pipectl/data'),
      poolSize: 10,
      envName: undefined,
      connectTo: undefined,
      debug: false,
    });
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('reads the environment, and flags override it', () => {
    const env = {
      DATABASE_URL: 'postgres://a/b',
      PIPECTL_DATA_DIR: '/tmp/x',
      PIPECTL_POOL_SIZE: '4',
      PIPECTL_ENV: 'prod',
    };
    expect(resolveConfig({}, env)).toMatchObject({
      databaseUrl: 'postgres://a/b',
      dataDir: '/tmp/x',
      poolSize: 4,
      envName: 'prod',
    });
    expect(
      resolveConfig({ 'database-url': 'postgresql://c/d', 'data-dir': '/tmp/y', 'pool-size': 2 }, env),
    ).toMatchObject({
      databaseUrl: 'postgresql://c/d',
      dataDir: '/tmp/y',
      poolSize: 2,
    });
  });

  it('treats an empty DATABASE_URL as unset', () => {
    expect(resolveConfig({}, { DATABASE_URL: '' }).databaseUrl).toBeUndefined();
  });

  it('rejects bad values with a configuration error (exit 2)', () => {
    expect(() => resolveConfig({}, { PIPECTL_POOL_SIZE: 'lots' })).toThrow(/positive whole number/);
    const err = (() => {
      try {
        resolveConfig({}, { DATABASE_URL: 'mysql://x' });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(PipectlError);
    expect((err as PipectlError).exitCode).toBe(2);
  });
});
