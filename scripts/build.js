// Compiles TypeScript to dist/, copies the SQL migrations beside their loader, bundles kysely
// into one module (below), and writes the oclif manifest so that `pipectl --help` does not have
// to import every command.
import { execFileSync } from 'node:child_process';
import { cpSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { build } from 'vite';

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

// kysely ships as 263 ES modules, and Node 20's ES module loader pays for each one: importing
// the package costs a worker more CPU than anything else it loads (docs/design-notes.md,
// "Start-up"). Bundled into one file it costs a tenth of that. kysely's ES build imports
// nothing outside itself, so the bundle is the same code; dist imports it instead of the
// package. (Code outside dist, such as tests and benches, still imports the package: kysely
// matches its objects by shape, not by class, so the two mix.)
const vendored = path.resolve('dist/vendor/kysely.js');
const kysely = JSON.parse(readFileSync('node_modules/kysely/package.json', 'utf8'));
await build({
  configFile: false,
  logLevel: 'warn',
  publicDir: false,
  build: {
    lib: { entry: 'node_modules/kysely/dist/esm/index.js', formats: ['es'], fileName: () => 'kysely.js' },
    outDir: path.dirname(vendored),
    emptyOutDir: false,
    minify: false,
    target: 'node20',
    rollupOptions: {
      output: {
        banner: `/* kysely ${kysely.version} (${kysely.license} License, Copyright (c) 2022 Sami Koskimäki), its ES build bundled by scripts/build.js */`,
      },
    },
  },
});
for (const entry of readdirSync('dist', { recursive: true, withFileTypes: true })) {
  if (!entry.isFile() || !entry.name.endsWith('.js')) continue;
  const file = path.join(entry.parentPath, entry.name);
  if (file === vendored) continue;
  const source = readFileSync(file, 'utf8');
  let relative = path.relative(path.dirname(file), vendored);
  if (!relative.startsWith('.')) relative = `./${relative}`;
  const rewritten = source.replaceAll(/(from\s*|import\s*\(\s*)'kysely'/g, `$1'${relative}'`);
  if (rewritten !== source) writeFileSync(file, rewritten);
}

run(process.execPath, ['node_modules/oclif/bin/run.js', 'manifest']);
