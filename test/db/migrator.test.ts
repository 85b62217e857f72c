import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SqlFileMigrationProvider } from '../../src/db/migrator.js';

/** A migrations folder holding these files (each a harmless statement). */
function folder(files: string[]): string {
  const dir = `${mkdtempSync(path.join(os.tmpdir(), 'pipectl-migrations-'))}/`;
  for (const f of files) writeFileSync(path.join(dir, f), 'select 1;\n');
  return dir;
}

describe('SqlFileMigrationProvider', () => {
  it('reads NNNN_name.sql files in order and leaves other files alone', async () => {
    const dir = folder(['0002_second.sql', '0001_first.sql', 'README.md', 'notes.txt']);
    const migrations = await new SqlFileMigrationProvider(dir).getMigrations();
    expect(Object.keys(migrations)).toEqual(['0001_first', '0002_second']);
  });

  it.each([
    ['a dash', '0003-third.sql'],
    ['capitals', '0003_Third.sql'],
    ['three digits', '003_third.sql'],
    ['no number', 'third.sql'],
  ])('throws on a .sql file named with %s, which would otherwise never run', async (_, misnamed) => {
    const dir = folder(['0001_first.sql', misnamed]);
    await expect(new SqlFileMigrationProvider(dir).getMigrations()).rejects.toMatchObject({
      code: 'migration_misnamed',
      message: `${dir} holds SQL that would never run: ${misnamed} — name a migration NNNN_name.sql (four digits, an underscore, then lowercase letters, digits and underscores)`,
    });
  });

  it('reads every .sql file shipped in src/db/migrations', async () => {
    const shipped = readdirSync('src/db/migrations').filter((f) => f.endsWith('.sql'));
    const migrations = await new SqlFileMigrationProvider(`${path.resolve('src/db/migrations')}/`).getMigrations();
    expect(Object.keys(migrations)).toEqual(shipped.sort().map((f) => f.replace(/\.sql$/, '')));
  });
});
