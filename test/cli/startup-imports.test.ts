import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { useE2eDatabase } from '../e2e/run-pipectl.js';
import { runCli } from '../helpers/cli.js';
import { serverUrl } from '../helpers/test-env.js';

// A worker's start-up is mostly module loading (docs/design-notes.md, "Start-up"), so what the
// built CLI loads is guarded here, in a real spawned process: a preload records every module
// the process imports or requires.
const folder = mkdtempSync(path.join(os.tmpdir(), 'pipectl-imports-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));
const recorder = path.resolve('test/helpers/record-imports.mjs');
let runs = 0;

/** Runs the built pipectl; resolves with its result and the modules it loaded (paths and URLs). */
async function loadedBy(args: string[], env: Record<string, string | undefined>) {
  const file = path.join(folder, `run-${++runs}.txt`);
  const result = await runCli(args, {
    env: { ...env, PIPECTL_RECORD_IMPORTS: file, NODE_OPTIONS: `--import=${recorder}` },
  });
  let modules: string[] = [];
  try {
    modules = readFileSync(file, 'utf8').split('\n').filter(Boolean);
  } catch {
    // Nothing recorded: the assertions below say so.
  }
  const has = (part: string) => modules.some((m) => m.includes(part));
  return { result, modules, has };
}

const worker = ['process', '--until-idle', '--log-format', 'json'];

describe.skipIf(!serverUrl)('what pipectl process loads on the PostgreSQL server', () => {
  const d = useE2eDatabase('postgres');

  it('starts without PGlite, prom-client, undici, the stages and their parsers, or kysely as 263 separate modules', async () => {
    const { result, has, modules } = await loadedBy(worker, d.env);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('"msg":"worker started"');
    // Named by what must not be loaded, so that a failure lists every offender. pipectl's own
    // modules by file name: the build bundles `process` with a chunk, named after its module, for
    // each one the command imports lazily (dist/bundles/process/).
    const unwanted = [
      '@electric-sql/pglite',
      '/node_modules/prom-client/',
      '/metrics-server.js',
      '/sitemap-stage.js',
      '/page-import-stage.js',
      '/contact-scan-stage.js',
      '/pglite-dialect.js',
      '/http-client.js',
      '/node_modules/libphonenumber-js/',
      '/node_modules/htmlparser2/',
      '/node_modules/undici/',
      '/node_modules/kysely/',
      '/node_modules/@oclif/core/',
      '/node_modules/pino/',
      '/node_modules/pg/',
      // pg's Cloudflare probe loads Node's fetch unless src/db/pg.ts lends it a navigator.
      'NativeModule internal/deps/undici',
    ];
    expect(unwanted.filter(has)).toEqual([]);
    // The recorder saw what a worker does need, so the absences above mean something.
    expect(has('/dist/vendor/pg.cjs'), modules.join('\n')).toBe(true);
    expect(has('/dist/vendor/kysely.js')).toBe(true);
    expect(has('/dist/vendor/oclif-core.js')).toBe(true);
    expect(has('/dist/vendor/pino.js')).toBe(true);
    expect(has('/dist/bundles/process/process.js')).toBe(true);
    // Bundled: none of the dist modules it was made from is loaded on its own.
    const dist = `${path.resolve('dist')}/`;
    const unbundled = (m: string) => !/\/dist\/(vendor|bundles)\/|\/dist\/commands\/process\.js$/.test(m);
    expect(modules.filter((m) => m.replace('file://', '').startsWith(dist) && unbundled(m))).toEqual([]);
  });

  it('loads prom-client when --metrics-port asks for /metrics', async () => {
    const { result, has } = await loadedBy([...worker, '--metrics-port', '0'], d.env);
    expect(result.code, result.stderr).toBe(0);
    expect(has('/node_modules/prom-client/')).toBe(true);
    expect(has('/dist/bundles/process/metrics-server.js')).toBe(true);
    expect(has('@electric-sql/pglite')).toBe(false);
  });
});

describe('what pipectl loads without a server', () => {
  const d = useE2eDatabase('pglite');

  it('process opens the embedded database (PGlite) but loads neither prom-client nor the stages', async () => {
    const { result, has } = await loadedBy(worker, d.env);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('"msg":"worker started"');
    expect(has('@electric-sql/pglite')).toBe(true);
    expect(has('/dist/bundles/process/pglite-dialect.js')).toBe(true);
    expect(has('/node_modules/prom-client/')).toBe(false);
    expect(has('/contact-scan-stage.js')).toBe(false);
  });

  it('--help to a pipe prints the help the build rendered, byte for byte, and loads no oclif, command, driver or kysely', async () => {
    const { result, has, modules } = await loadedBy(['--help'], {});
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('process');
    expect(has('/bin/cached-help.js'), modules.join('\n')).toBe(true);
    expect(has('/dist/vendor/oclif-core.js')).toBe(false);
    expect(has('/node_modules/@oclif/core/')).toBe(false);
    expect(has('/dist/commands/')).toBe(false);
    expect(has('/dist/vendor/kysely.js')).toBe(false);
    expect(has('/node_modules/pg/')).toBe(false);
    expect(has('/dist/vendor/pg.cjs')).toBe(false);
    expect(has('@electric-sql/pglite')).toBe(false);
    // OCLIF_COLUMNS=80 (a pipe's width) makes oclif render it: the same bytes, exit code and stderr.
    const rendered = await loadedBy(['--help'], { OCLIF_COLUMNS: '80' });
    expect(rendered.has('/dist/vendor/oclif-core.js')).toBe(true);
    expect(rendered.has('/dist/commands/')).toBe(false);
    expect(rendered.result.stdout).toBe(result.stdout);
    expect([rendered.result.code, rendered.result.stderr]).toEqual([result.code, result.stderr]);
  });

  it('a bare pipectl prints the cached help too, the same as oclif renders it', async () => {
    const cached = await loadedBy([], {});
    const rendered = await loadedBy([], { OCLIF_COLUMNS: '80' });
    expect(cached.has('/dist/vendor/oclif-core.js')).toBe(false);
    expect(rendered.has('/dist/vendor/oclif-core.js')).toBe(true);
    expect(cached.result.stdout).toContain('TOPICS');
    expect([cached.result.code, cached.result.stdout, cached.result.stderr]).toEqual([
      rendered.result.code,
      rendered.result.stdout,
      rendered.result.stderr,
    ]);
  });

  it('renders the help with oclif when the package is not the one the build cached it for', () => {
    // A copy of the package whose package.json has another description: the cached text is stale there.
    const copy = mkdtempSync(path.join(folder, 'package-'));
    cpSync('bin', path.join(copy, 'bin'), { recursive: true });
    cpSync('oclif.manifest.json', path.join(copy, 'oclif.manifest.json'));
    for (const name of ['dist', 'node_modules']) symlinkSync(path.resolve(name), path.join(copy, name));
    const pjson = JSON.parse(readFileSync('package.json', 'utf8'));
    const description = 'A description that the build never saw.';
    writeFileSync(path.join(copy, 'package.json'), JSON.stringify({ ...pjson, description }));
    const r = spawnSync(process.execPath, [path.join(copy, 'bin/run.js'), '--help'], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe(description);
  });
});
