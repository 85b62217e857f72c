// Writes the V8 code cache of every bundle in dist/vendor/ (src/vendor/load-bundle.cts); run by
// scripts/build.js, in a process of its own, once the bundles and dist are in place.
//
// V8 caches the functions it has compiled so far, and compiles most of a function only when it
// first runs, so the caches are written at the end of a training run rather than straight after
// loading: `pipectl process` itself, in this process, against a port where nothing listens. That
// takes it through oclif's configuration, flag parsing, the command, pino and kysely's setup and
// pg's connect, to the "cannot connect" error, in a fraction of a second and without a database.
// Caches written after a run against a real server saved about 2 ms more (of ~185 ms CPU in all).
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(import.meta.url);
const { codeCacheOutcomes, writeCodeCaches } = require('../dist/vendor/load-bundle.cjs');

// A port that was free a moment ago: connecting to it is refused at once.
const port = await new Promise((resolve) => {
  const server = net.createServer().listen(0, '127.0.0.1', () => {
    const { port } = server.address();
    server.close(() => resolve(port));
  });
});

const bundles = readdirSync(path.join(root, 'dist/vendor')).filter((f) => f.endsWith('.bundle.cjs'));
process.on('exit', () => {
  const loaded = Object.keys(codeCacheOutcomes()).map((file) => path.basename(file));
  const missed = bundles.filter((b) => !loaded.includes(b));
  if (missed.length > 0) {
    process.stderr.write(`the training run did not load ${missed.join(', ')}: no code cache written\n`);
    process.exitCode = 1;
    return;
  }
  writeCodeCaches();
  // The training run ends in pipectl's "cannot connect" error (exit 2) by design.
  process.exitCode = 0;
});
const bin = path.join(root, 'bin/run.js');
const database = `postgres://pipectl@127.0.0.1:${port}/pipectl`;
process.argv = [process.execPath, bin, 'process', '--until-idle', '--log-format', 'json', '--database-url', database];
await import(bin);
