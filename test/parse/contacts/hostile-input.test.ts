import { describe, expect, it } from 'vitest';
import { extractContacts, maxHtmlSize } from '../../../src/parse/contacts/extract-contacts.js';

/**
 * Pages are written by strangers. Each document below is built to make a backtracking pattern
 * or a quadratic scan blow up; extraction must stay linear (well under a second here) and
 * stop reading at the size cap.
 */
const budgetMs = 1500;

function timed<T>(fn: () => T): { value: T; ms: number } {
  const started = performance.now();
  const value = fn();
  return { value, ms: performance.now() - started };
}

describe('hostile input', () => {
  it.each([
    ['long runs of address characters around @', `${'a'.repeat(200_000)}@${'b.'.repeat(200_000)}`],
    ['many @ signs', `${'a@'.repeat(400_000)}`],
    ['many address-shaped tokens', `${'ab@cd.de '.repeat(200_000)}`],
    ['many dotted labels', `x@${'a.'.repeat(500_000)}`],
    ['blank runs before [at]', `info${' '.repeat(500_000)}[at] firma.de`],
    ['digit runs after a label', `Tel: ${'1 '.repeat(400_000)}`],
    ['plus signs and digits', `${'+1'.repeat(400_000)}`],
    ['unclosed tags and entities', `${'<a href="mailto:'.repeat(50_000)}${'&#64;'.repeat(100_000)}`],
    ['deeply nested elements', `${'<div><span>'.repeat(100_000)}info@firma.de`],
  ])('%s', (_what, html) => {
    const { ms } = timed(() => extractContacts(html, 'https://firma.de/'));
    expect(ms).toBeLessThan(budgetMs);
  });

  it('reads at most the size cap', () => {
    const html = `${' '.repeat(maxHtmlSize)}<p>late@firma.de</p>`;
    expect(extractContacts(html, 'https://firma.de/').emails).toEqual([]);
    expect(extractContacts(Buffer.from(html), 'https://firma.de/').emails).toEqual([]);
  });
});
