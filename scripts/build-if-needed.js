// Builds only when dist/ is missing or older than a source file or the build itself, so that
// `npm run demo` starts at once after `npm ci` (which builds through `prepare`) and still picks
// up edits.

import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

function newest(dir) {
  let t = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    t = Math.max(t, entry.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

const built =
  existsSync('oclif.manifest.json') && existsSync('dist/commands') ? statSync('oclif.manifest.json').mtimeMs : 0;
const inputs = [newest('src'), newest('bin'), ...['package.json', 'scripts/build.js'].map((f) => statSync(f).mtimeMs)];
if (built < Math.max(...inputs)) {
  execFileSync(process.execPath, ['scripts/build.js'], { stdio: 'inherit' });
}
