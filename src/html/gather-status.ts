import type { Kysely } from 'kysely';
import { assessImpact, type Impact } from '../audit/assess-impact.js';
import { listWorkers, type WorkerRow } from '../audit/list-workers.js';
import type { CheckDefinition, ChecksFile } from '../checks/check-definition.js';
import { worstStatus } from '../checks/check-result.js';
import { explainInhibited } from '../checks/explain-inhibited.js';
import { type CheckNow, type HistoryBucket, readCheckHistory, readChecksNow } from '../checks/read-check-history.js';
import type { CheckStatus, Database } from '../db/schema.js';
import { type QueueDepth, readQueueDepth } from '../pipeline/queue/read-queue-depth.js';
import type { StripAxis } from './check-strip.js';

/** One row of the status page's checks: what the file says about it, and what check_runs recorded. */
export interface StatusCheck {
  name: string;
  /** From the checks file; a check found only in check_runs (another file's, or a removed one) has none. */
  definition: CheckDefinition | undefined;
  now: CheckNow | undefined;
  buckets: HistoryBucket[];
  /** The check whose latest run explains this one's (checks.yml `inhibits:`), as in every report. */
  explainedBy: string | null;
}

/** Everything the status page shows, read in one go. */
export interface StatusData {
  generatedAt: Date;
  envName: string | undefined;
  backend: 'postgres' | 'pglite';
  checksPath: string;
  days: number;
  axis: StripAxis;
  checks: StatusCheck[];
  impact: Impact;
  queue: QueueDepth[];
  workers: WorkerRow[];
}

/**
 * The most cells a strip has. With 5-minute runs a strip would otherwise have 288 cells a day;
 * buckets of the first step in `bucketSteps` that fits keep any window under this (7 days: 1 h
 * cells, 30 days: 3 h), so the page stays well under 1 MB however often the checks run.
 */
export const maxStripCells = 288;
const bucketSteps = [300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400];

/** The bucket size for a window of `seconds`: the smallest step that needs at most maxStripCells cells. */
export function bucketSecondsFor(seconds: number): number {
  return bucketSteps.find((s) => seconds / s <= maxStripCells) ?? Math.ceil(seconds / maxStripCells);
}

export interface GatherOptions {
  checks: ChecksFile;
  days: number;
  now: Date;
  envName: string | undefined;
  backend: 'postgres' | 'pglite';
}

/**
 * Reads the status page's data: the impact report over the last `days` (its per-day output,
 * backlog and stuck work), each check's latest run and history, the queue's depth and the
 * workers. The checks are the file's, in its order, then any other check with runs in the window.
 */
export async function gatherStatus(db: Kysely<Database>, o: GatherOptions): Promise<StatusData> {
  const windowSeconds = o.days * 86_400;
  const bucketSeconds = bucketSecondsFor(windowSeconds);
  // The window starts on a bucket boundary so that a cell means the same hours on every page.
  const until = o.now;
  const since = new Date(
    Math.floor((until.getTime() - windowSeconds * 1000) / (bucketSeconds * 1000)) * bucketSeconds * 1000,
  );
  const cells = Math.ceil((until.getTime() - since.getTime()) / (bucketSeconds * 1000));
  const [impact, history, queue, workers] = await Promise.all([
    assessImpact(db, new Date(until.getTime() - windowSeconds * 1000), until),
    readCheckHistory(db, since, until, bucketSeconds),
    readQueueDepth(db),
    listWorkers(db, windowSeconds),
  ]);
  const names = [...o.checks.checks.map((c) => c.name)];
  for (const name of [...history.keys()].sort()) if (!names.includes(name)) names.push(name);
  const latest = new Map((await readChecksNow(db, names)).map((c) => [c.name, c]));
  const definitions = new Map(o.checks.checks.map((c) => [c.name, c]));
  const explained = new Map(
    explainInhibited([...latest.values()], o.checks.checks).map((c) => [c.name, c.explainedBy] as const),
  );
  return {
    generatedAt: o.now,
    envName: o.envName,
    backend: o.backend,
    checksPath: o.checks.path,
    days: o.days,
    axis: { since, bucketSeconds, cells },
    checks: names.map((name) => ({
      name,
      definition: definitions.get(name),
      now: latest.get(name),
      buckets: history.get(name) ?? [],
      explainedBy: explained.get(name) ?? null,
    })),
    impact,
    queue,
    workers,
  };
}

/** The page's overall status: the worst latest status of the checks that have run; undefined when none has. */
export function overallStatus(d: StatusData): CheckStatus | undefined {
  const ran = d.checks.flatMap((c) => (c.now ? [c.now.status] : []));
  return ran.length ? worstStatus(ran) : undefined;
}
