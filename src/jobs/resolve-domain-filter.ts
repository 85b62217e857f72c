import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { findDomains } from '../domains/find-domains.js';
import { PipectlError } from '../errors.js';

/**
 * The ids of the domain a `--domain` flag names, matched as `audit domain` matches it. Not a
 * domain name: usage error (exit 2). No such domain: exit 1, as `audit domain` does.
 */
export async function resolveDomainFilter(
  db: Kysely<Database>,
  domain: string | undefined,
): Promise<number[] | undefined> {
  if (domain === undefined) return undefined;
  const { found, invalid } = await findDomains(db, [domain]);
  const bad = invalid[0];
  if (bad) throw new PipectlError('usage', `--domain "${bad.input}" is not a domain name (${bad.reason})`);
  if (found.length === 0)
    throw new PipectlError(
      'unknown_domain',
      `no domain "${domain}" in the database — list domains with \`pipectl domains list\``,
      { exitCode: 1 },
    );
  return found.map((d) => d.id);
}
