// `pipectl --help` printed without loading oclif: scripts/build.js renders the root help once,
// with oclif, into dist/cached-help.json, and bin/run.js prints it where oclif would print the
// same bytes. Loading oclif is most of what `--help` costs (docs/design-notes.md, "Start-up").
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Where the build writes the rendered help, relative to the package root. */
export const cachedHelpFile = 'dist/cached-help.json';

/** The argument lists whose output is cached: `pipectl --help` and a bare `pipectl`. */
export const cachedArgvs = [['--help'], []];

/** The key of an argument list's text in the cache. */
export const helpKey = (argv) => JSON.stringify(argv);

/**
 * Variables that change what oclif prints for the root help: colour, width, and debug output
 * on stderr. The cache is used only when none is set, and rendered with none set.
 */
export const helpEnvironment = ['FORCE_COLOR', 'OCLIF_COLUMNS', 'DEBUG', 'PIPECTL_DEBUG'];

const read = (file) => {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
};

/** The package directory of `name` as Node would find it from `root`, or undefined. */
function packageDir(root, name) {
  for (let dir = root; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', name);
    if (read(path.join(candidate, 'package.json')) !== undefined) return candidate;
    if (path.dirname(dir) === dir) return undefined;
  }
}

/**
 * A digest of everything the root help is made from besides oclif and dist (which the same build
 * writes): Node's version, platform and architecture (the VERSION line), the package.json and
 * oclif manifest of pipectl and of each of its oclif plugins. Undefined where it cannot be told
 * exactly: on what may be WSL (oclif then names the platform "wsl"), or with plugins other than
 * the core ones.
 */
export function helpFingerprint(root) {
  const pjsonText = read(path.join(root, 'package.json'));
  if (pjsonText === undefined) return undefined;
  const oclif = JSON.parse(pjsonText).oclif ?? {};
  if (oclif.devPlugins?.length || oclif.jitPlugins) return undefined;
  if (process.platform === 'linux') {
    const kernel = `${os.release()} ${read('/proc/version') ?? ''}`.toLowerCase();
    if (kernel.includes('microsoft')) return undefined;
  }
  const manifest = read(path.join(root, 'oclif.manifest.json'));
  const parts = [process.version, process.platform, process.arch, pjsonText, manifest];
  for (const name of oclif.plugins ?? []) {
    const dir = packageDir(root, name);
    if (dir === undefined) return undefined;
    parts.push(name, read(path.join(dir, 'package.json')), read(path.join(dir, 'oclif.manifest.json')) ?? '');
  }
  if (parts.includes(undefined)) return undefined;
  const hash = createHash('sha256');
  for (const part of parts) hash.update(`${part.length}:${part}`);
  return hash.digest('hex');
}

/**
 * The root help for `argv` as oclif would print it, or undefined where oclif must render it:
 * other arguments, a terminal on stdout (oclif colours the text and wraps it to the terminal's
 * width), any of `helpEnvironment` set, or a cache that is missing, unreadable or made from other
 * inputs.
 */
export function cachedHelp(root, argv) {
  const key = helpKey(argv);
  if (!cachedArgvs.some((a) => helpKey(a) === key)) return undefined;
  if (process.stdout.isTTY || helpEnvironment.some((name) => name in process.env)) return undefined;
  let cache;
  try {
    cache = JSON.parse(readFileSync(path.join(root, cachedHelpFile), 'utf8'));
  } catch {
    return undefined;
  }
  return cache.fingerprint === helpFingerprint(root) ? cache.texts?.[key] : undefined;
}
