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

  it('treats an empty --data-dir like an empty PIPECTL_DATA_DIR, not as the working directory', () => {
    expect(resolveConfig({ 'data-dir': '' }, {}).dataDir).toBe(path.resolve('.pipectl/data'));
    expect(resolveConfig({ 'data-dir': '' }, { PIPECTL_DATA_DIR: '/tmp/x' }).dataDir).toBe('/tmp/x');
  });

  it("spells pg's verify-full aliases (sslmode prefer, require, verify-ca) as verify-full", () => {
    const url = (q: string) => resolveConfig({}, { DATABASE_URL: `postgres://u@h/db?${q}` }).databaseUrl;
    expect(url('sslmode=require')).toBe('postgres://u@h/db?sslmode=verify-full');
    expect(url('sslmode=prefer&application_name=x')).toBe('postgres://u@h/db?sslmode=verify-full&application_name=x');
    expect(url('sslmode=disable')).toBe('postgres://u@h/db?sslmode=disable');
    expect(url('uselibpqcompat=true&sslmode=require')).toBe('postgres://u@h/db?uselibpqcompat=true&sslmode=require');
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
