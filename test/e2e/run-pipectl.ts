import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll } from 'vitest';
import { resolveConfig } from '../../src/config.js';
import { type OpenedDatabase, openDatabase } from '../../src/db/open-database.js';
import type { Database } from '../../src/db/schema.js';
import { type CliResult, runCli } from '../helpers/cli.js';
import { type BackendName, useTestDatabase } from '../helpers/databases.js';
import { pgliteTemplatePath } from '../helpers/test-env.js';

/**
 * A database that the test and the `pipectl` it spawns both reach: on the server, the file's own
 * database (useTestDatabase: cloned from the template, kept when a test fails); embedded, a data
 * directory in a temporary folder, loaded from the run's migrated template and removed afterwards.
 *
 * The embedded database admits one process at a time, so the test must `release()` it before
 * running the CLI; `open()` opens it again (once, until the next release). Opening PGlite costs
 * a second or two, which is why assertions share one open database rather than reopening it.
 */
export interface E2eDatabase {
  readonly backend: BackendName;
  /** The environment that points the CLI at the database. */
  readonly env: Record<string, string>;
  open(): Promise<Kysely<Database>>;
  release(): Promise<void>;
}

export function useE2eDatabase(backend: BackendName): E2eDatabase {
  if (backend === 'postgres') {
    const t = useTestDatabase('postgres');
    return {
      backend,
      get env() {
        return { DATABASE_URL: t.url ?? '' };
      },
      open: async () => t.db,
      release: async () => {},
    };
  }
  let folder = '';
  let opened: OpenedDatabase | undefined;
  beforeAll(async () => {
    folder = mkdtempSync(path.join(os.tmpdir(), 'pipectl-e2e-'));
    // Start from the run's migrated template, as the server database does: creating a data
    // directory from scratch (initdb in WebAssembly) takes 10 s or more on a busy machine.
    const pglite = await PGlite.create({
      dataDir: dataDir(),
      loadDataDir: new Blob([readFileSync(pgliteTemplatePath)]),
    });
    await pglite.close();
  });
  const release = async () => {
    await opened?.close();
    opened = undefined;
  };
  afterAll(async () => {
    await release();
    if (folder) rmSync(folder, { recursive: true, force: true });
  });
  const dataDir = () => path.join(folder, 'data');
  return {
    backend,
    get env() {
      return { PIPECTL_DATA_DIR: dataDir() };
    },
    open: async () => {
      opened ??= await openDatabase(resolveConfig({ 'data-dir': dataDir() }, {}));
      return opened.db;
    },
    release,
  };
}

/** How `pipectl process` reports at exit, in its last JSON log line. */
export interface WorkerStopped {
  completed: number;
  failed: number;
  retried: number;
  rescued: number;
  reason: string;
}

/**
 * Runs the built `pipectl` against a test database, as a user would (releasing an embedded
 * database first), and fails with the command's whole output when its exit code is not the
 * expected one.
 */
export async function pipectl(
  db: E2eDatabase,
  args: string[],
  options: { env?: Record<string, string>; exitCode?: number; timeoutMs?: number } = {},
): Promise<CliResult> {
  await db.release();
  const result = await runCli(args, { env: { ...db.env, ...options.env }, timeoutMs: options.timeoutMs ?? 60_000 });
  const expected = options.exitCode ?? 0;
  if (result.code !== expected) {
    throw new Error(
      `pipectl ${args.join(' ')} exited ${result.code}, expected ${expected}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`,
    );
  }
  return result;
}

/** The `worker stopped` line of a `pipectl process` run with JSON logs. */
export function workerStopped(result: CliResult): WorkerStopped {
  const line = result.stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { msg?: string } & WorkerStopped)
    .find((l) => l.msg === 'worker stopped');
  if (line === undefined) throw new Error(`no "worker stopped" line in:\n${result.stdout}\n${result.stderr}`);
  return line;
}
