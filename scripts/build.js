// Compiles TypeScript to dist/, copies the SQL migrations beside their loader, and writes the
// oclif manifest so that `pipectl --help` does not have to import every command.
import { execFileSync } from 'node:child_process';
import { cpSync, rmSync } from 'node:fs';

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
run(process.execPath, ['node_modules/oclif/bin/run.js', 'manifest']);
