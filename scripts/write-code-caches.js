// Writes the V8 code cache of every bundle in dist/vendor/ (src/vendor/load-bundle.cts), run by
// scripts/build.js after the bundles and dist are in place.
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);
const { loadBundle, writeCodeCaches } = require('../dist/vendor/load-bundle.cjs');

const vendor = path.resolve('dist/vendor');
for (const file of readdirSync(vendor).filter((f) => f.endsWith('.bundle.cjs'))) loadBundle(path.join(vendor, file));
writeCodeCaches();
