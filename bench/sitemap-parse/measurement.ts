import { readFileSync } from 'node:fs';

/** What a measuring child process prints, as one JSON line on stdout. */
export interface Measurement {
  tool: string;
  urls: number;
  /** Wall-clock time from the request to the last entry. */
  ms: number;
  /** CPU time (user + system, all threads) over the same span: steadier than wall time on a busy machine. */
  cpuMs: number;
  /**
   * CPU time of the main (JavaScript) thread alone over the same span, where the kernel reports it
   * (Linux). The rest of `cpuMs` is V8's background threads: optimising compilation of hot
   * JavaScript and WebAssembly, and garbage-collection helpers.
   */
  mainCpuMs?: number;
  /** Peak resident set size of the child process, bytes. */
  peakRss: number;
  error?: string;
}

/** The main thread's CPU time in ms, from /proc (Linux: its first field is nanoseconds on CPU); undefined elsewhere. */
function mainThreadCpuMs(): number | undefined {
  try {
    return Number(readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ')[0]) / 1e6;
  } catch {
    return undefined;
  }
}

/** Starts a measurement: call the returned function with the results when done. */
export function startMeasurement(tool: string): (urls: number, error?: string) => void {
  const cpu = process.cpuUsage();
  const mainCpu = mainThreadCpuMs();
  const started = performance.now();
  return (urls, error) => {
    const ms = performance.now() - started;
    const used = process.cpuUsage(cpu);
    const mainCpuEnd = mainThreadCpuMs();
    report({
      tool,
      urls,
      ms,
      cpuMs: (used.user + used.system) / 1000,
      mainCpuMs: mainCpu === undefined || mainCpuEnd === undefined ? undefined : mainCpuEnd - mainCpu,
      peakRss: process.resourceUsage().maxRSS * 1024,
      error,
    });
  };
}

/** Prints a child's measurement; peak RSS comes from the kernel's accounting of this process. */
function report(measurement: Measurement): void {
  process.stdout.write(`${JSON.stringify(measurement)}\n`);
}
