import { spawn } from 'node:child_process';
import path from 'node:path';

/** The V8 heap of a fuzzing process: a parser that needs more crashes it, and the test fails. */
export const fuzzHeapMb = 256;
/** A parser that makes no progress for this long is hung: its process is killed. */
const hangMs = 20_000;

export interface FuzzResult {
  code: number | null;
  result?: { runs: number; slowest: { ms: number; bytes: number }; largest: number; maxRssMb: number };
  output: string;
  hung?: string;
}

/**
 * Runs hostile/fuzz-target.ts for one parser (`runs` inputs from `seed`) in a child process
 * with a capped heap and a watchdog.
 */
export function runFuzz(target: string, seed: number, runs: number): Promise<FuzzResult> {
  const script = path.resolve('test/reliability/hostile/fuzz-target.ts');
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', `--max-old-space-size=${fuzzHeapMb}`, script, target, String(seed), String(runs)],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  let last = '';
  let hung: string | undefined;
  let watchdog: NodeJS.Timeout;
  const arm = () => {
    clearTimeout(watchdog);
    watchdog = setTimeout(() => {
      hung = `no progress for ${hangMs} ms after input "${last}" (run, bytes)`;
      child.kill('SIGKILL');
    }, hangMs);
  };
  arm();
  child.stdout.on('data', (d: Buffer) => {
    const text = d.toString();
    const starts = text.match(/^> .*$/gm);
    if (starts) last = starts[starts.length - 1] ?? last;
    output += text.replace(/^> .*\n/gm, '');
    arm();
  });
  child.stderr.on('data', (d: Buffer) => {
    output += d.toString();
  });
  return new Promise((resolve) => {
    child.on('close', (code) => {
      clearTimeout(watchdog);
      const line = /^RESULT (.*)$/m.exec(output)?.[1];
      resolve({ code, result: line ? JSON.parse(line) : undefined, output: output.slice(-4000), hung });
    });
  });
}
