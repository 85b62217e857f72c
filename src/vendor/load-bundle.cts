// Loads the CommonJS bundles of dist/vendor/ with the V8 code cache the build made for them
// (docs/design-notes.md, "Start-up"). Node 20 keeps no code cache for any module, so every start
// parsed and compiled the 1.4 MB of bundled oclif, kysely, pino and pg again; a script compiled
// through `vm.Script` can be given V8's compiled code from a file instead. CommonJS, so that
// src/db/pg.ts can `require()` pg's bundle while it lends pg a `navigator`.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import { codeCacheFile, decodeCodeCache, encodeCodeCache } from './code-cache.cjs';

/**
 * What became of a bundle's code cache: V8 used it (`accepted`) or turned it down (`rejected`:
 * other V8 flags, say); there was none (`absent`); or it was not given to V8, being made by
 * another Node (`mismatched`), for another source (`stale`) or damaged (`corrupt`). In every
 * case but `accepted` the bundle is compiled from its source, silently, as Node would.
 */
export type CodeCacheOutcome = 'accepted' | 'rejected' | 'absent' | 'mismatched' | 'stale' | 'corrupt';

interface LoadedBundle {
  exports: unknown;
  script: vm.Script;
  source: string;
  outcome: CodeCacheOutcome;
}

const bundles = new Map<string, LoadedBundle>();

/**
 * The name that `import()` in a bundle is rewritten to by scripts/build.js, and that the bundle is
 * given as an argument of its wrapper. A script compiled by `vm.Script` has no `import()` of its
 * own without `importModuleDynamically`, which Node 20 calls experimental (a warning on stderr)
 * and loses when the script comes from a code cache (ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING). This
 * module's own `import()` is Node's, resolving from dist/vendor/ as the bundle's would; oclif loads
 * pipectl's ES commands and hooks through it, by absolute URL.
 */
export const bundleImport = '__pipectlImport';
const importModule = (specifier: string) => import(specifier);

function readCache(filename: string, source: string): { data?: Buffer; outcome: CodeCacheOutcome } {
  let bytes: Buffer;
  try {
    bytes = readFileSync(codeCacheFile(filename));
  } catch {
    return { outcome: 'absent' };
  }
  const decoded = decodeCodeCache(source, bytes);
  return 'data' in decoded ? { data: decoded.data, outcome: 'accepted' } : { outcome: decoded.unusable };
}

/**
 * The `module.exports` of the CommonJS bundle `file`, run once per process as `require()` would
 * run it (the same wrapper arguments, and `import()` as `bundleImport`), compiled with its code
 * cache where that is usable.
 */
export function loadBundle(file: string | URL): unknown {
  const filename = typeof file === 'string' ? file : fileURLToPath(file);
  const known = bundles.get(filename);
  if (known) return known.exports;
  const source = readFileSync(filename, 'utf8');
  const cache = readCache(filename, source);
  // The wrapper stays on the source's first line, so line numbers in stack traces are the file's.
  const wrapper = `(function (exports, require, module, __filename, __dirname, ${bundleImport}) {${source}\n})`;
  const script = new vm.Script(wrapper, { filename, cachedData: cache.data });
  const outcome = cache.data && script.cachedDataRejected ? 'rejected' : cache.outcome;
  const module = { exports: {} as unknown, filename, id: filename, loaded: false };
  const bundle: LoadedBundle = { exports: module.exports, script, source, outcome };
  bundles.set(filename, bundle);
  const run = script.runInThisContext();
  run(module.exports, createRequire(filename), module, filename, path.dirname(filename), importModule);
  module.loaded = true;
  bundle.exports = module.exports;
  return module.exports;
}

/** What became of the code cache of each bundle this process loaded, by file name. */
export function codeCacheOutcomes(): Record<string, CodeCacheOutcome> {
  return Object.fromEntries([...bundles].map(([filename, { outcome }]) => [filename, outcome]));
}

/**
 * Writes the code cache of every bundle this process loaded, as V8 has compiled it so far (the
 * functions that ran included, so run the bundles first): the build's last step. Each file is
 * written whole and then renamed, so a reader never sees half of one. Returns the files written.
 */
export function writeCodeCaches(): string[] {
  const written: string[] = [];
  for (const [filename, { script, source }] of bundles) {
    const target = codeCacheFile(filename);
    writeFileSync(`${target}.tmp`, encodeCodeCache(source, script.createCachedData()));
    renameSync(`${target}.tmp`, target);
    written.push(target);
  }
  return written;
}
