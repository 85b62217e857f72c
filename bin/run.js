#!/usr/bin/env node
import { fileURLToPath } from 'node:url';
import { cachedHelp } from './cached-help.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const help = cachedHelp(root, process.argv.slice(2));
if (help !== undefined) {
  process.stdout.write(help);
} else {
  // oclif bundled into one module by scripts/build.js; dist's commands import the same copy.
  const { execute } = await import('../dist/vendor/oclif-core.js');
  // No user plugins: oclif would read them from $PIPECTL_DATA_DIR/package.json, and that variable
  // names pipectl's embedded database directory, not an oclif plugin directory.
  await execute({ loadOptions: { root: fileURLToPath(import.meta.url), userPlugins: false } });
}
