import { describe, expect, it } from 'vitest';
import { useTestDatabase } from '../helpers/databases.js';
import { assertExpectedOutcomes } from './helpers/invariants.js';
import { report, runScenario } from './helpers/scenario.js';
import { itLeaksNoSecrets, withPassword } from './helpers/secrets.js';

/** Domains in the load scenario: 10,000 unless RELIABILITY_DOMAINS says otherwise. */
const domains = Number(process.env.RELIABILITY_DOMAINS ?? 10_000);

describe('load: generated sites through 4 workers × concurrency 8', () => {
  const t = useTestDatabase('postgres');

  it(`processes ${domains} domains end to end; every one ends as its site says`, { timeout: 600_000 }, async () => {
    const r = await runScenario({
      label: 'load',
      url: withPassword(t.url ?? ''),
      db: t.db,
      domains,
      workers: 4,
      concurrency: 8,
      timeoutMs: 540_000,
    });
    report('load', r);
    expect(await assertExpectedOutcomes(t.db)).toBe(domains);
  });

  itLeaksNoSecrets();
});
