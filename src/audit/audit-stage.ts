import { isUserJobType, type UserJobType } from '../db/schema.js';

/**
 * The pipeline's steps as the audits name them, in order: intake (a queued domain taken in),
 * then the stage of each job type users run, by its workflow name.
 */
export const auditStages = ['intake', 'WF4', 'WF5', 'WF7'] as const;
export type AuditStage = (typeof auditStages)[number];

/** The workflow name of each job type's stage. */
export const stageOfJobType = {
  sitemap: 'WF4',
  page_import: 'WF5',
  contact_scan: 'WF7',
} as const satisfies Record<UserJobType, AuditStage>;

/** A stage by either name: a job type users run (`sitemap`) or its workflow name (`WF4`); or intake. */
export function auditStageOf(name: AuditStage | UserJobType): AuditStage {
  return isUserJobType(name) ? stageOfJobType[name] : name;
}
