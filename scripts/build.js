// Compiles TypeScript to dist/, copies the SQL migrations beside their loader, bundles kysely,
// oclif, pino and pg into one file each with a V8 code cache (below), writes the oclif manifest so
// that `pipectl --help` does not have to import every command, and renders the root help for
// bin/run.js to print as it is.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { build, parseSync, Visitor } from 'vite';
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
// bundled into one CommonJS file each under dist/vendor/, loaded with a V8 code cache that the build
// makes (src/vendor/load-bundle.cts), and dist imports a small module that loads the bundle instead
// of the package (docs/design-notes.md, "Start-up"). Code outside dist (tests, benches) still
// imports the packages; each bundle is the package's own code with the same exports, so the two mix.
const vendor = path.resolve('dist/vendor');
const require = createRequire(import.meta.url);
const { bundleImport } = require('../dist/vendor/load-bundle.cjs');
const vendored = {
  // 263 ES modules, imported by every query. kysely matches its objects by shape, not by class.
  // Bundled from its ES build (`from: 'es'`), which is leaner than its CommonJS one.
  kysely: { file: 'kysely.js', copyright: '2022 Sami Koskimäki', from: 'es' },
  // About 480 CommonJS modules with its dependencies. bin/run.js and every dist command import
  // this one copy, since oclif tells its errors apart with instanceof.
  '@oclif/core': { file: 'oclif-core.js', copyright: '2018 Salesforce.com' },
  // About 30 CommonJS modules with its dependencies; every command logs through it. Its
  // transports would not work from the bundle (they start worker threads from files beside pino's
  // own); pipectl uses none.
  pino: { file: 'pino.js', copyright: '2016-present Matteo Collina, David Mark Clements and the Pino contributors' },
  // About 30 CommonJS modules with its dependencies. Loaded with require() (a .cjs file), since
  // src/db/pg.ts requires it while it lends pg a navigator; pg-native and pg-cloudflare stay
  // outside (pg requires them only when asked for native bindings or inside a Cloudflare Worker).
  pg: { file: 'pg.cjs', copyright: '2010 - 2021 Brian Carlson' },
};

/**
 * `code` with each `import(…)` expression calling `bundleImport(…)` instead, which
 * src/vendor/load-bundle.cts hands the bundle (it says why). Expressions, not text: "import()"
 * also appears in oclif's error messages.
 */
function withBundleImport(code) {
  if (code.includes(bundleImport)) throw new Error(`a bundle already uses the name ${bundleImport}`);
  const parsed = parseSync('bundle.js', code);
  if (parsed.errors.length > 0) throw new Error(`cannot parse a bundle: ${parsed.errors[0].message}`);
  const starts = [];
  new Visitor({ ImportExpression: (node) => starts.push(node.start) }).visit(parsed.program);
  let rewritten = code;
  for (const start of starts.sort((a, b) => b - a)) {
    if (code.slice(start, start + 6) !== 'import') throw new Error(`no import() at offset ${start} of a bundle`);
    rewritten = `${rewritten.slice(0, start)}${bundleImport}${rewritten.slice(start + 6)}`;
  }
  return rewritten;
}

/** The bundle's own file beside the module dist imports: `kysely.js` → `kysely.bundle.cjs`. */
const bundleFile = (file) => file.replace(/\.c?js$/, '.bundle.cjs');

/**
 * Bundles `name` and its dependencies into dist/vendor/ as one CommonJS file whose exports are the
 * package's, and writes the module that dist imports in its place: for an ES module (`file` ending
 * in .js) one exporting the names that Node's import of the package offers (a CommonJS package
 * would otherwise offer only a default), for a .cjs file one whose exports are the package's.
 * typescript stays outside: oclif reaches for it only for TypeScript plugins in development.
 */
async function bundle(name, { file, copyright, from = 'cjs' }) {
  const entry = `virtual:pipectl-vendor/${name}`;
  const source = from === 'es' ? `export * from '${name}';` : `module.exports = require('${name}');`;
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
        renderChunk: (code) => withBundleImport(code),
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
          format: 'cjs',
          entryFileNames: bundleFile(file),
          banner: `/* ${name} ${pjson.version} (${pjson.license} License, Copyright (c) ${copyright}) and its dependencies (each under the licence in its package), bundled by scripts/build.js */`,
        },
      },
    },
  });
  const generated = `// Written by scripts/build.js: ${name}, loaded from ${bundleFile(file)} with its V8 code cache.\n`;
  if (file.endsWith('.cjs')) {
    writeFileSync(
      path.join(vendor, file),
      `${generated}module.exports = require('./load-bundle.cjs').loadBundle(require('node:path').join(__dirname, '${bundleFile(file)}'));\n`,
    );
  } else {
    const names = Object.keys(await import(name)).filter((n) => n !== 'default' && n !== '__esModule');
    writeFileSync(
      path.join(vendor, file),
      `${generated}import { loadBundle } from './load-bundle.cjs';\n\nexport const { ${names.join(', ')} } = loadBundle(new URL('./${bundleFile(file)}', import.meta.url));\n`,
    );
  }
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

// pipectl's own modules on a worker's way to registration, about 40 ES modules that Node 20
// resolves, reads, compiles and links one by one, are bundled into one file: dist/bundles/process/,
// with a chunk beside it for each module `process` imports lazily (stages, metrics, HTTP client,
// PGlite's dialect), so that the worker still loads those only when used and every module exists
// once in the process. dist/commands/process.js re-exports the bundle's command. The rest of dist
// stays as tsc wrote it, for the other commands and for the benches that import dist files.
await bundleCommand('process');

/**
 * Bundles the command `name` (dist/commands/<name>.js) and the dist modules it imports into
 * dist/bundles/<name>/. Packages and dist/vendor/ stay outside. `import.meta.url` in a module is
 * its own file's URL, as before bundling: the migrations and checks.yml are found from there.
 */
async function bundleCommand(name) {
  const entry = path.resolve('dist/commands', `${name}.js`);
  const outDir = path.resolve('dist/bundles', name);
  const isDist = (id) => id.startsWith(`${path.resolve('dist')}${path.sep}`);
  await build({
    configFile: false,
    logLevel: 'warn',
    publicDir: false,
    ssr: { noExternal: true },
    plugins: [
      {
        // dist/vendor/ stays outside, imported by the path from dist/bundles/<name>/, where every
        // chunk is written.
        name: 'pipectl-vendor-external',
        enforce: 'pre',
        resolveId(id, importer) {
          const resolved = importer && id.startsWith('.') ? path.resolve(path.dirname(importer), id) : id;
          if (!resolved.startsWith(`${vendor}${path.sep}`)) return undefined;
          return { id: path.relative(outDir, resolved).split(path.sep).join('/'), external: true };
        },
      },
      {
        name: 'pipectl-module-url',
        transform(code, id) {
          if (!isDist(id) || !code.includes('import.meta.url')) return undefined;
          const url = `new URL(${JSON.stringify(path.relative(outDir, id).split(path.sep).join('/'))}, import.meta.url).href`;
          return code.replaceAll('import.meta.url', url);
        },
      },
    ],
    build: {
      ssr: entry,
      outDir,
      emptyOutDir: true,
      minify: false,
      target: 'node20',
      rollupOptions: {
        // Relative imports are dist's own modules (bundled) unless they are dist/vendor/'s (above),
        // loaded once per process by everything; bare ones are packages and Node's modules.
        external: (id) => id.startsWith('node:') || !(id.startsWith('.') || path.isAbsolute(id)),
        output: { format: 'es', entryFileNames: `${name}.js`, chunkFileNames: '[name].js' },
      },
    },
  });
  writeFileSync(
    entry,
    `// Written by scripts/build.js: the command, bundled with the dist modules it imports.\nexport { default } from '../bundles/${name}/${name}.js';\n`,
  );
}

run(process.execPath, ['node_modules/oclif/bin/run.js', 'manifest']);

// The bundles' V8 code caches, made by a training run in a process of its own, which has the V8
// flags a pipectl process has by default (V8 turns a cache down under any other, so NODE_OPTIONS
// is not passed on). Its output is the training run's own "cannot connect" error, shown only if
// the step fails.
const { NODE_OPTIONS: _, ...trainingEnv } = process.env;
const training = spawnSync(process.execPath, ['scripts/write-code-caches.js'], {
  encoding: 'utf8',
  env: trainingEnv,
  timeout: 120_000,
});
if (training.status !== 0) {
  console.error(`writing the code caches failed (exit ${training.status ?? training.signal}):\n${training.stderr}`);
  process.exit(1);
}

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
