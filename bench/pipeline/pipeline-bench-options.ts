import { parseArgs } from 'node:util';

export const parts = ['pipeline', 'import'] as const;
export type Part = (typeof parts)[number];

/** One run of the benchmark, resolved once from flags, then environment, then defaults. */
export interface PipelineBenchOptions {
  /** The PostgreSQL server (--database-url, env BENCH_DATABASE_URL); the benchmark creates and drops its own database there. */
  readonly databaseUrl: string;
  /** Generated sites (--domains; default 200). */
  readonly domains: number;
  /** Pages per site (--pages; default 100). */
  readonly pagesPerDomain: number;
  /** Pages per urlset of a site's sitemap index (--pages-per-sitemap; default 50). */
  readonly pagesPerSitemap: number;
  /** `pipectl process --concurrency` (--concurrency; default 16). */
  readonly concurrency: number;
  /** Queue depth sampling interval, ms (--sample-ms; default 200). */
  readonly sampleMs: number;
  /** URLs in the page-import-alone sitemap (--import-urls; default 100,000). */
  readonly importUrls: number;
  /** Runs of each page-import variant; the median is reported (--repeat; default 3). */
  readonly repeat: number;
  /** Which parts to run (--only pipeline,import; default both). */
  readonly only: readonly Part[];
  /** Keep the database afterwards, for inspection (--keep). */
  readonly keep: boolean;
}

const defaultDatabaseUrl = 'postgres://postgres@127.0.0.1:5432/postgres';

export const usage = `Usage: npx tsx bench/pipeline/run.ts [options]   (build first: npm run build)

      --domains N            generated sites (default 200)
      --pages N              pages per site (default 100)
      --pages-per-sitemap N  pages per urlset (default 50)
  -c, --concurrency C        pipectl process --concurrency (default 16)
      --sample-ms MS         queue depth sampling interval (default 200)
      --import-urls N        URLs of the page-import-alone sitemap (default 100000)
      --repeat R             runs per page-import variant, median reported (default 3)
      --only PARTS           pipeline, import, or both comma-separated (default both)
      --database-url URL     PostgreSQL server (env BENCH_DATABASE_URL; default ${defaultDatabaseUrl})
      --keep                 keep the benchmark database afterwards
  -h, --help
`;

function positiveInt(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw.replaceAll('_', ''));
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return value;
}

/** Reads the command line and environment; throws with a one-line reason on bad input. */
export function parsePipelineBenchOptions(argv: string[], env: NodeJS.ProcessEnv): PipelineBenchOptions | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: {
      domains: { type: 'string' },
      pages: { type: 'string' },
      'pages-per-sitemap': { type: 'string' },
      concurrency: { type: 'string', short: 'c' },
      'sample-ms': { type: 'string' },
      'import-urls': { type: 'string' },
      repeat: { type: 'string' },
      only: { type: 'string' },
      'database-url': { type: 'string' },
      keep: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) return 'help';
  const only = (values.only ?? parts.join(','))
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const part of only) {
    if (!(parts as readonly string[]).includes(part)) {
      throw new Error(`--only: unknown part "${part}" (known: ${parts.join(', ')})`);
    }
  }
  const pagesPerDomain = positiveInt('--pages', values.pages, 100);
  if (pagesPerDomain > 100) throw new Error('--pages: at most 100 (each page of a site has its own 555-01xx phone)');
  return Object.freeze({
    databaseUrl: values['database-url'] ?? env.BENCH_DATABASE_URL ?? defaultDatabaseUrl,
    domains: positiveInt('--domains', values.domains, 200),
    pagesPerDomain,
    pagesPerSitemap: positiveInt('--pages-per-sitemap', values['pages-per-sitemap'], 50),
    concurrency: positiveInt('--concurrency', values.concurrency, 16),
    sampleMs: positiveInt('--sample-ms', values['sample-ms'], 200),
    importUrls: positiveInt('--import-urls', values['import-urls'], 100_000),
    repeat: positiveInt('--repeat', values.repeat, 3),
    only: Object.freeze(parts.filter((p) => only.includes(p))),
    keep: values.keep,
  });
}
