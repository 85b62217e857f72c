import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Kysely } from 'kysely';
import { beforeAll } from 'vitest';
import { resolveConfig } from '../../src/config.js';
import { openDatabase } from '../../src/db/open-database.js';
import type { Database } from '../../src/db/schema.js';
import { type BackendName, useTestDatabase } from '../helpers/databases.js';

/** A database that both the test and a spawned `pipectl` can reach. */
export interface CliDatabase {
  /** The environment that points the CLI at it. */
  readonly env: Record<string, string>;
  /** Runs `fn` with the database open; the embedded one is closed again, since only one process may hold it. */
  use<T>(fn: (db: Kysely<Database>) => Promise<T>): Promise<T>;
}

/**
 * On the server, the test file's own database (`useTestDatabase`). On PGlite, an embedded data
 * directory on disk, opened (and migrated) as the CLI opens it, and closed between uses so the
 * CLI can take its lock.
 */
export function useCliDatabase(backend: BackendName): CliDatabase {
  if (backend === 'postgres') {
    const t = useTestDatabase('postgres');
    return {
      get env() {
        return { DATABASE_URL: t.url ?? '' };
      },
      use: (fn) => fn(t.db),
    };
  }
  let dataDir = '';
  beforeAll(() => {
    dataDir = path.join(mkdtempSync(path.join(os.tmpdir(), 'pipectl-checks-cli-')), 'data');
  });
  return {
    get env() {
      return { PIPECTL_DATA_DIR: dataDir };
    },
    use: async (fn) => {
      const opened = await openDatabase(resolveConfig({ 'data-dir': dataDir }, {}));
      try {
        return await fn(opened.db);
      } finally {
        await opened.close();
      }
    },
  };
}
