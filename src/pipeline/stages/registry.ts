import type { JobType } from '../../db/schema.js';
import { PermanentJobError, type StageHandler } from '../stage.js';
import { noopStage } from './noop-stage.js';

/** The stages users run; `noop` exists only for tests and benchmarks. */
export const userStages = ['sitemap', 'page_import', 'contact_scan'] as const satisfies readonly JobType[];
export type UserStage = (typeof userStages)[number];

function notYetImplemented(jobType: JobType, issue: string): StageHandler {
  return {
    jobType,
    async run() {
      throw new PermanentJobError(`the ${jobType} stage is not implemented in this build yet (${issue})`);
    },
    async commit() {},
  };
}

/** The handler for each job type, restricted to the selected stages. */
export function createStageRegistry(selected: readonly JobType[]): Map<JobType, StageHandler> {
  const all: Record<JobType, StageHandler> = {
    sitemap: notYetImplemented('sitemap', 'issue 4'),
    page_import: notYetImplemented('page_import', 'issue 5'),
    contact_scan: notYetImplemented('contact_scan', 'issue 5'),
    noop: noopStage as StageHandler,
  };
  return new Map(selected.map((t) => [t, all[t]]));
}
