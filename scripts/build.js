// Compiles TypeScript to dist/, copies the SQL migrations beside their loader, bundles kysely and
// oclif into one module each (below), writes the oclif manifest so that `pipectl --help` does not
// have to import every command, and renders the root help for bin/run.js to print as it is.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { build } from 'vite';
import { cachedArgvs, cachedHelpFile, helpEnvironment, helpFingerprint, helpKey } from '../bin/cached-help.js';

const run = (cmd, args) => {
  try {
    execFileSync(cmd, args, { stdio: 'inherit' });
  } catch (err) {
    // The tool has already printed its own errors; a stack trace here would only hide them.
    process.exit(err.status ?? 1);
  }
};

rmSync('dist', { recursive: true, force: true });
rmSync('oclif.manifest.json', { force: true });
run(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json']);
cpSync('src/db/migrations', 'dist/db/migrations', { recursive: true });

// Node 20's module loaders pay per file, so the packages every command loads at start-up are
// bundled into one ES module each under dist/vendor/, and dist imports that instead of the
// package (docs/design-notes.md, "Start-up"). Code outside dist (tests, benches) still imports
// the packages; each bundle is the package's own code with the same exports, so the two mix.
const vendor = path.resolve('dist/vendor');
const vendored = {
  // 263 ES modules, imported by every query. kysely matches its objects by shape, not by class.
  kysely: { file: 'kysely.js', copyright: '2022 Sami Koskimäki' },
  // About 480 CommonJS modules with its dependencies. bin/run.js and every dist command import
  // this one copy, since oclif tells its errors apart with instanceof.
  '@oclif/core': { file: 'oclif-core.js', copyright: '2018 Salesforce.com' },
  // About 30 CommonJS modules with its dependencies; every command logs through it. Its
  // transports would not work from the bundle (they start worker threads from files beside pino's
  // own); pipectl uses none.
  pino: { file: 'pino.js', copyright: '2016-present Matteo Collina, David Mark Clements and the Pino contributors' },
  // About 30 CommonJS modules with its dependencies. A CommonJS bundle, since src/db/pg.ts loads it
  // with require() while it lends pg a navigator; pg-native and pg-cloudflare stay outside (pg
  // requires them only when asked for native bindings or inside a Cloudflare Worker).
  pg: { file: 'pg.cjs', copyright: '2010 - 2021 Brian Carlson', format: 'cjs' },
};

/**
 * Bundles `name` and its dependencies into dist/vendor/: an ES module exporting the names that
 * Node's import of the package offers (a bundle of a CommonJS package would otherwise export only
 * a default), or with `format: 'cjs'` a CommonJS module whose exports are the package's.
 * typescript stays outside: oclif reaches for it only for TypeScript plugins in development.
 */
async function bundle(name, { file, copyright, format = 'es' }) {
  const entry = `virtual:pipectl-vendor/${name}`;
  const names = async () => Object.keys(await import(name)).filter((n) => n !== 'default' && n !== '__esModule');
  const source =
    format === 'cjs'
      ? `module.exports = require('${name}');`
      : `export { ${(await names()).join(', ')} } from '${name}';`;
  const pjson = JSON.parse(readFileSync(`node_modules/${name}/package.json`, 'utf8'));
  await build({
    configFile: false,
    logLevel: 'warn',
    publicDir: false,
    ssr: { noExternal: true },
    plugins: [
      {
        name: 'pipectl-vendor-entry',
        enforce: 'pre',
        resolveId: (id) => (id.endsWith(entry) ? `\0${entry}` : undefined),
        load: (id) => (id === `\0${entry}` ? source : undefined),
      },
    ],
    build: {
      ssr: entry,
      outDir: vendor,
      emptyOutDir: false,
      minify: false,
      target: 'node20',
      rollupOptions: {
        external: ['typescript', 'pg-native', 'pg-cloudflare'],
        output: {
          format,
          entryFileNames: file,
          banner: `/* ${name} ${pjson.version} (${pjson.license} License, Copyright (c) ${copyright}) and its dependencies (each under the licence in its package), bundled by scripts/build.js */`,
        },
      },
    },
  });
}
for (const [name, target] of Object.entries(vendored)) await bundle(name, target);

// `import … from 'x'`, `export … from 'x'`, `import('x')` and `require('x')`, not a mention in a comment.
const imports = new RegExp(
  `(^\\s*(?:import|export)\\b[^;'"]*?\\bfrom\\s*|\\b(?:import|require)\\s*\\(\\s*)'(${Object.keys(vendored).join('|')})'`,
  'gm',
);
for (const entry of readdirSync('dist', { recursive: true, withFileTypes: true })) {
  if (!entry.isFile() || !entry.name.endsWith('.js') || entry.parentPath === vendor) continue;
  const file = path.join(entry.parentPath, entry.name);
  const source = readFileSync(file, 'utf8');
  const rewritten = source.replaceAll(imports, (_, lead, name) => {
    let relative = path.relative(path.dirname(file), path.join(vendor, vendored[name].file));
    if (!relative.startsWith('.')) relative = `./${relative}`;
    return `${lead}'${relative}'`;
  });
  if (rewritten !== source) writeFileSync(file, rewritten);
}

run(process.execPath, ['node_modules/oclif/bin/run.js', 'manifest']);

// The root help, rendered by oclif as bin/run.js would print it to a pipe, for bin/run.js to print
// without loading oclif (bin/cached-help.js says where that is valid). It is written last, so a
// build that fails leaves none, and bin/run.js finds none while it renders here.
const environment = { ...process.env };
for (const name of helpEnvironment) delete environment[name];
const texts = {};
for (const argv of cachedArgvs) {
  const rendered = spawnSync(process.execPath, ['bin/run.js', ...argv], { env: environment, encoding: 'utf8' });
  if (rendered.status !== 0 || rendered.stderr !== '') {
    console.error(`pipectl ${argv.join(' ')} failed (exit ${rendered.status}):\n${rendered.stderr}`);
    process.exit(1);
  }
  texts[helpKey(argv)] = rendered.stdout;
}
const fingerprint = helpFingerprint(process.cwd());
if (fingerprint !== undefined) writeFileSync(cachedHelpFile, `${JSON.stringify({ fingerprint, texts }, null, 2)}\n`);
