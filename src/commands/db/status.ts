import { BaseCommand, ExitCode } from '../../base-command.js';
import { type MigrationState, migrationStatus } from '../../db/migrator.js';

export interface DbStatusResult {
  backend: string;
  location: string;
  upToDate: boolean;
  applied: MigrationState[];
  pending: string[];
}

export default class DbStatus extends BaseCommand<typeof DbStatus> {
  static override summary = 'Show the database backend, its location and its migrations.';
  static override description =
    'Exits 1 when migrations are pending, so that a deploy script can run `pipectl db migrate` only when needed.';
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json'];
  static override enableJsonFlag = true;

  async run(): Promise<DbStatusResult> {
    const opened = await this.openDatabase({ schema: 'skip' });
    const { applied, pending } = await migrationStatus(opened.db);
    const result = {
      backend: opened.backend,
      location: opened.location,
      upToDate: pending.length === 0,
      applied,
      pending,
    };
    if (!this.jsonEnabled()) {
      this.log(`backend:  ${opened.backend === 'pglite' ? 'embedded (PGlite)' : 'PostgreSQL server'}`);
      this.log(`location: ${opened.location}`);
      for (const m of applied) this.log(`applied   ${m.name}  ${m.executedAt?.toISOString() ?? ''}`);
      for (const name of pending) this.log(`pending   ${name}`);
      this.log(result.upToDate ? 'schema is up to date.' : 'schema is out of date — run `pipectl db migrate`.');
    }
    if (!result.upToDate) this.setExitCode(ExitCode.problem);
    return result;
  }
}
