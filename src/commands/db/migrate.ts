import { BaseCommand } from '../../base-command.js';
import { migrateToLatest } from '../../db/migrator.js';

export interface DbMigrateResult {
  backend: string;
  location: string;
  applied: string[];
}

export default class DbMigrate extends BaseCommand<typeof DbMigrate> {
  static override summary = 'Apply pending schema migrations.';
  static override description =
    'Applies every pending numbered SQL migration in one transaction. Safe to run from several hosts at once: an advisory lock serialises them. The embedded database migrates itself when opened.';
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    'DATABASE_URL=postgres://pipectl@db.internal/pipeline <%= config.bin %> <%= command.id %> --json',
  ];
  static override enableJsonFlag = true;

  async run(): Promise<DbMigrateResult> {
    const opened = await this.openDatabase({ schema: 'skip' });
    const applied = [...opened.migrated, ...(await migrateToLatest(opened.db))];
    const result = { backend: opened.backend, location: opened.location, applied };
    if (!this.jsonEnabled()) {
      this.log(
        applied.length === 0
          ? `${opened.location}: already up to date.`
          : `${opened.location}: applied ${applied.length} migration${applied.length === 1 ? '' : 's'}: ${applied.join(', ')}.`,
      );
    }
    return result;
  }
}
