/** A configuration's measured runs, reduced to the median. */
export interface Measurement {
  /** Short name for the ratio table, e.g. "graphile like-for-like". */
  label: string;
  system: string;
  configuration: string;
  jobs: number;
  /** Every run's seconds, in the order they ran. */
  runs: number[];
  /** The median of `runs`. */
  seconds: number;
  jobsPerSecond: number;
  /** Median CPU per job in µs: this Node process, and the PostgreSQL backends (NaN if unreadable). */
  nodeCpuUsPerJob: number;
  postgresCpuUsPerJob: number;
  /** Median WAL bytes per job (the whole cluster's WAL during the run). */
  walBytesPerJob: number;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

export const int = (n: number) => Math.round(n).toLocaleString('en-US');

/** A plain-text table: the first `textColumns` columns left-aligned, the numbers after them right-aligned. */
export function formatTable(header: string[], rows: string[][], textColumns = 1): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i < textColumns ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export function formatMeasurements(measurements: Measurement[]): string {
  const repeated = measurements.some((m) => m.runs.length > 1);
  return formatTable(
    [
      'system',
      'configuration',
      'jobs',
      'seconds',
      'jobs/s',
      'CPU µs/job: node',
      'postgres',
      'WAL B/job',
      ...(repeated ? ['runs (s)'] : []),
    ],
    measurements.map((m) => [
      m.system,
      m.configuration,
      int(m.jobs),
      m.seconds.toFixed(2),
      int(m.jobsPerSecond),
      int(m.nodeCpuUsPerJob),
      Number.isNaN(m.postgresCpuUsPerJob) ? 'n/a' : int(m.postgresCpuUsPerJob),
      Number.isNaN(m.walBytesPerJob) ? 'n/a' : int(m.walBytesPerJob),
      ...(repeated ? [m.runs.map((s) => s.toFixed(2)).join(' ')] : []),
    ]),
    2,
  );
}

/** Each pipectl configuration's throughput as a multiple of each peer's ("1.00×" is parity). */
export function formatRatios(subjects: Measurement[], peers: Measurement[]): string {
  return formatTable(
    ['pipectl ÷', ...peers.map((p) => p.label)],
    subjects.map((s) => [s.label, ...peers.map((p) => `${(s.jobsPerSecond / p.jobsPerSecond).toFixed(2)}×`)]),
  );
}
