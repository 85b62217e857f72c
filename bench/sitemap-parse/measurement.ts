/** What a measuring child process prints, as one JSON line on stdout. */
export interface Measurement {
  tool: string;
  urls: number;
  /** Wall-clock time from the request to the last entry. */
  ms: number;
  /** CPU time (user + system, all threads) over the same span: steadier than wall time on a busy machine. */
  cpuMs: number;
  /** Peak resident set size of the child process, bytes. */
  peakRss: number;
  error?: string;
}

/** Starts a measurement: call the returned function with the results when done. */
export function startMeasurement(tool: string): (urls: number, error?: string) => void {
  const cpu = process.cpuUsage();
  const started = performance.now();
  return (urls, error) => {
    const ms = performance.now() - started;
    const used = process.cpuUsage(cpu);
    report({
      tool,
      urls,
      ms,
      cpuMs: (used.user + used.system) / 1000,
      peakRss: process.resourceUsage().maxRSS * 1024,
      error,
    });
  };
}

/** Prints a child's measurement; peak RSS comes from the kernel's accounting of this process. */
function report(measurement: Measurement): void {
  process.stdout.write(`${JSON.stringify(measurement)}\n`);
}
