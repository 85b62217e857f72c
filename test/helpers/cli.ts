import { spawn } from 'node:child_process';
import path from 'node:path';

export const binPath = path.resolve('bin/run.js');

/**
 * The child's environment: this process's, without a database of its own (a test names the one
 * it wants), plus `env`; a value of undefined removes a variable.
 */
function childEnv(env: Record<string, string | undefined>): Record<string, string> {
  const merged = { ...process.env, DATABASE_URL: undefined, PIPECTL_DATA_DIR: undefined, ...env };
  return Object.fromEntries(Object.entries(merged).filter(([, v]) => v !== undefined)) as unknown as Record<
    string,
    string
  >;
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

export interface CliOptions {
  /** Added to this process's environment (see childEnv); a value of undefined removes a variable. */
  env?: Record<string, string | undefined>;
  /** The child's working directory; this process's by default. */
  cwd?: string;
  /** Piped to the child's stdin, which is then closed (as `printf … | pipectl …`); none by default. */
  input?: string;
  /** The child is killed (SIGKILL) after this long; 60 s by default. */
  timeoutMs?: number;
  /** The pipectl to run: this checkout's `bin/run.js` by default (a copy of the package, say). */
  bin?: string;
}

/** Runs the built `pipectl` in a child process, as a user or cron would. */
export function runCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [options.bin ?? binPath, ...args], {
      cwd: options.cwd,
      env: childEnv(options.env ?? {}),
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    // Decode as UTF-8 streams: a character split across two chunks must not become U+FFFD.
    child.stdout?.setEncoding('utf8');
    child.stderr?.setEncoding('utf8');
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: string) => {
      stdout += d;
    });
    child.stderr?.on('data', (d: string) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: performance.now() - started });
    });
    // A child that exits before reading all its input must not fail the test with EPIPE.
    child.stdin?.on('error', () => {});
    child.stdin?.end(options.input);
  });
}

/** A `pipectl` child process left running (a worker), with its output collected. */
export interface RunningCli {
  child: import('node:child_process').ChildProcess;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts `pipectl` in the background, as a worker under a process supervisor. */
export function startCli(args: string[], env: Record<string, string | undefined> = {}): RunningCli {
  const child = spawn(process.execPath, [binPath, ...args], { env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.setEncoding('utf8');
  child.stderr?.setEncoding('utf8');
  let out = '';
  child.stdout?.on('data', (d) => {
    out += d;
  });
  child.stderr?.on('data', (d) => {
    out += d;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, output: () => out, exited };
}

/** Polls `check` until it returns true, or fails after `timeoutMs`. */
export async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs = 30_000,
  everyMs = 100,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}
