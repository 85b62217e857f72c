import path from 'node:path';
import type { Kysely } from 'kysely';
import { assessImpact } from '../audit/assess-impact.js';
import { loadChecksFile } from '../checks/load-checks-file.js';
import { shippedChecksPath } from '../checks/resolve-checks-path.js';
import type { Database } from '../db/schema.js';
import { gatherStatus } from '../html/gather-status.js';
import { renderImpactPage } from '../html/render-impact-page.js';
import { renderStatusPage } from '../html/render-status-page.js';
import { writeReportFile } from '../report/write-report-file.js';

/**
 * The demo's last step: the status page (`pipectl report`) and the impact report (`audit impact
 * --format html`, the last day) written into the demo's data directory, which the next demo
 * run empties with the rest.
 */
export async function writeDemoPages(
  db: Kysely<Database>,
  dataDir: string,
): Promise<{ status: string; impact: string }> {
  const now = new Date();
  const checks = await loadChecksFile(shippedChecksPath, process.cwd());
  const status = path.join(dataDir, 'status.html');
  const impact = path.join(dataDir, 'impact.html');
  const data = await gatherStatus(db, { checks, days: 7, now, envName: 'demo', backend: 'pglite' });
  await writeReportFile(status, renderStatusPage(data));
  await writeReportFile(
    impact,
    renderImpactPage(await assessImpact(db, new Date(now.getTime() - 86_400_000), now), now),
  );
  return { status, impact };
}
