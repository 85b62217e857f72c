import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useE2eDatabase } from '../e2e/run-pipectl.js';
import { runCli } from '../helpers/cli.js';
import { serverUrl } from '../helpers/test-env.js';

// The vendored bundles are compiled from the V8 code cache the build made for them
// (src/vendor/load-bundle.cts). These run the built files in real processes: that the cache is
// used, and that pipectl runs, silently, with a cache that is damaged, stale, made by another
// Node, turned down by V8, or missing.
const vendor = path.resolve('dist/vendor');
const bundles = readdirSync(vendor).filter((f) => f.endsWith('.bundle.cjs'));
const folder = mkdtempSync(path.join(os.tmpdir(), 'pipectl-code-cache-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

/** A copy of the built package, with dist/vendor/ its own, so that its caches can be damaged. */
function copyPackage(): string {
  const copy = mkdtempSync(path.join(folder, 'package-'));
  for (const name of ['bin', 'dist', 'package.json', 'oclif.manifest.json', 'checks.yml']) {
    cpSync(name, path.join(copy, name), { recursive: true });
  }
  symlinkSync(path.resolve('node_modules'), path.join(copy, 'node_modules'));
  return copy;
}

/**
 * Loads every bundle of the package at `root` in a new Node process, as pipectl does, and
 * returns what became of each code cache, by bundle; stderr must stay empty.
 */
function cacheOutcomes(root: string, env: Record<string, string> = {}): Record<string, string> {
  const script = `
    const path = require('node:path');
    const vendor = ${JSON.stringify(path.join(root, 'dist/vendor'))};
    const { loadBundle, codeCacheOutcomes } = require(path.join(vendor, 'load-bundle.cjs'));
    for (const file of ${JSON.stringify(bundles)}) loadBundle(path.join(vendor, file));
    const outcomes = Object.entries(codeCacheOutcomes()).map(([f, o]) => [path.basename(f), o]);
    process.stdout.write(JSON.stringify(Object.fromEntries(outcomes)));`;
  // NODE_OPTIONS only as the case sets it: the build makes the caches for a Node without V8 flags.
  const { NODE_OPTIONS: _, ...inherited } = process.env;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', env: { ...inherited, ...env } });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return JSON.parse(r.stdout);
}

const every = (outcome: string) => Object.fromEntries(bundles.map((b) => [b, outcome]));

/** Rewrites each cache file of the package at `root` with `damage` applied to its bytes. */
function damageCaches(root: string, damage: (bytes: Buffer) => Buffer) {
  for (const bundle of bundles) {
    const file = path.join(root, 'dist/vendor', `${bundle}.v8-cache`);
    writeFileSync(file, damage(readFileSync(file)));
  }
}

describe('the V8 code cache of the vendored bundles', () => {
  it('is built for every bundle, and this Node uses it', () => {
    expect(bundles.map((b) => b.replace('.bundle.cjs', '')).sort()).toEqual(['kysely', 'oclif-core', 'pg', 'pino']);
    expect(cacheOutcomes(path.resolve('.'))).toEqual(every('accepted'));
  });

  const db = useE2eDatabase(serverUrl ? 'postgres' : 'pglite');
  let pristine = '';
  beforeAll(() => {
    pristine = copyPackage();
  });

  // Each case: how the caches are damaged, what the loader makes of them, and the environment
  // the worker then runs in. The worker must start, register and exit 0 with nothing on stderr.
  const afterHeader = (bytes: Buffer) => bytes.indexOf(10) + 1;
  const cases: {
    name: string;
    damage?: (root: string) => void;
    env?: Record<string, string>;
    outcome: string;
  }[] = [
    {
      // Given to V8 as it is, such a cache can abort the process ("Fatal error … unreachable code").
      name: 'a byte of V8 data flipped',
      damage: (root) =>
        damageCaches(root, (bytes) => {
          const copy = Buffer.from(bytes);
          copy[afterHeader(bytes) + 40] = (copy[afterHeader(bytes) + 40] ?? 0) ^ 0xff;
          return copy;
        }),
      outcome: 'corrupt',
    },
    {
      name: 'cut short',
      damage: (root) => damageCaches(root, (bytes) => bytes.subarray(0, Math.floor(bytes.length / 2))),
      outcome: 'corrupt',
    },
    {
      name: 'not a cache file',
      damage: (root) => damageCaches(root, () => Buffer.from('{"not":"a cache"}\n\u0000\u0001')),
      outcome: 'corrupt',
    },
    {
      name: 'made by another Node',
      damage: (root) =>
        damageCaches(root, (bytes) => {
          const [magic, , ...digests] = JSON.parse(bytes.subarray(0, afterHeader(bytes) - 1).toString());
          const header = JSON.stringify([magic, 'node v99.0.0 v8 99.0 linux-x64', ...digests]);
          return Buffer.concat([Buffer.from(`${header}\n`), bytes.subarray(afterHeader(bytes))]);
        }),
      outcome: 'mismatched',
    },
    {
      name: 'older than its bundle',
      damage: (root) => {
        for (const bundle of bundles) {
          const file = path.join(root, 'dist/vendor', bundle);
          writeFileSync(file, `${readFileSync(file, 'utf8')}\n// edited after the build\n`);
        }
      },
      outcome: 'stale',
    },
    {
      // Any V8 flag changes the hash V8 checks; this one is a common NODE_OPTIONS setting.
      name: 'turned down by V8 (other V8 flags)',
      env: { NODE_OPTIONS: '--max-old-space-size=3000' },
      outcome: 'rejected',
    },
    {
      name: 'missing',
      damage: (root) => {
        for (const bundle of bundles) rmSync(path.join(root, 'dist/vendor', `${bundle}.v8-cache`));
      },
      outcome: 'absent',
    },
  ];

  it.each(cases)('a cache $name is not used, and the worker still starts silently', async (c) => {
    const root = mkdtempSync(path.join(folder, 'case-'));
    cpSync(pristine, root, { recursive: true, verbatimSymlinks: true });
    c.damage?.(root);
    expect(cacheOutcomes(root, c.env)).toEqual(every(c.outcome));
    const r = await runCli(['process', '--until-idle', '--log-format', 'json'], {
      env: { NODE_OPTIONS: undefined, ...db.env, ...c.env },
      bin: path.join(root, 'bin/run.js'),
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('"msg":"worker started"');
  });
});
