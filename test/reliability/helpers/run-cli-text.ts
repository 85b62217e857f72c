import { spawn } from 'node:child_process';
import { binPath, type CliResult } from '../../helpers/cli.js';

/**
 * `runCli` with its output decoded as a UTF-8 stream. test/helpers/cli.ts appends each pipe
 * chunk as it comes (`stdout += d`), so a multi-byte character split between two chunks of a
 * large output turns into U+FFFD; this one decodes across chunk boundaries.
 */
export function runCliText(
  args: string[],
  env: Record<string, string | undefined> = {},
  timeoutMs = 60_000,
): Promise<CliResult> {
  const started = performance.now();
  const merged: Record<string, string | undefined> = {
    ...process.env,
    DATABASE_URL: undefined,
    PIPECTL_DATA_DIR: undefined,
    ...env,
  };
  const childEnv = Object.fromEntries(Object.entries(merged).filter(([, v]) => v !== undefined)) as Record<
    string,
    string
  >;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [binPath, ...args], { env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: string) => {
      stdout += d;
    });
    child.stderr.on('data', (d: string) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: performance.now() - started });
    });
  });
}
