import { describe, expect, it } from 'vitest';
import { auditStageOf, auditStages, stageOfJobType } from '../../src/audit/audit-stage.js';
import { userJobTypes } from '../../src/db/schema.js';

describe('audit stages', () => {
  it('name each job type users run by its workflow, in pipeline order after intake', () => {
    expect(userJobTypes.map((t) => stageOfJobType[t])).toEqual(auditStages.slice(1));
  });

  it.each([
    ['sitemap', 'WF4'],
    ['page_import', 'WF5'],
    ['contact_scan', 'WF7'],
    ['WF4', 'WF4'],
    ['WF7', 'WF7'],
    ['intake', 'intake'],
  ] as const)('take %s as %s', (name, stage) => {
    expect(auditStageOf(name)).toBe(stage);
  });
});
