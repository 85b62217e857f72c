#!/usr/bin/env node
import { fileURLToPath } from 'node:url';
// oclif bundled into one module by scripts/build.js; dist's commands import the same copy.
import { execute } from '../dist/vendor/oclif-core.js';

// No user plugins: oclif would read them from $PIPECTL_DATA_DIR/package.json, and that variable
// names pipectl's embedded database directory, not an oclif plugin directory.
await execute({ loadOptions: { root: fileURLToPath(import.meta.url), userPlugins: false } });
