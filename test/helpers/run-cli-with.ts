import { spawn } from 'node:child_process';
import { binPath, type CliResult } from './cli.js';

export interface RunOptions {
  /** Piped to the child's stdin, which is then closed (as `printf … | pipectl …`). */
  input?: string;
  cwd?: string;
  /** Added to this process's environment, without its DATABASE_URL and PIPECTL_DATA_DIR. */
  env?: Record<string, string>;
}

/** Runs the built `pipectl` with piped stdin and a working directory of its own. */
export function runCliWith(args: string[], options: RunOptions = {}): Promise<CliResult> {
  const started = performance.now();
  const { DATABASE_URL: _url, PIPECTL_DATA_DIR: _dir, ...inherited } = process.env;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [binPath, ...args], {
      cwd: options.cwd,
      env: { ...inherited, ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr, ms: performance.now() - started }));
    child.stdin.end(options.input ?? '');
  });
}
