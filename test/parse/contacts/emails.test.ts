import { describe, expect, it } from 'vitest';
import { deobfuscateEmailText } from '../../../src/parse/contacts/deobfuscate-email-text.js';
import { extractContacts } from '../../../src/parse/contacts/extract-contacts.js';
import { findEmails } from '../../../src/parse/contacts/find-emails.js';
import { mailtoEmails } from '../../../src/parse/contacts/mailto-emails.js';
import { normalizeEmail } from '../../../src/parse/contacts/normalize-email.js';

const emailsOf = (html: string, url = 'https://www.firma.de/kontakt') => extractContacts(html, url).emails;

describe('mailto links', () => {
  it('reads the address and drops the query', () => {
    expect(mailtoEmails('mailto:info@firma.de?subject=Anfrage&cc=boss@firma.de')).toEqual(['info@firma.de']);
  });
  it('percent-decodes and lower-cases', () => {
    expect(mailtoEmails('mailto:Info%40Firma.DE')).toEqual(['info@firma.de']);
    expect(mailtoEmails('MAILTO:%20sales%2Bde@firma.de')).toEqual(['sales+de@firma.de']);
  });
  it('splits comma (and semicolon) lists', () => {
    expect(mailtoEmails('mailto:a@firma.de,b@firma.de;c@firma.de?body=x')).toEqual([
      'a@firma.de',
      'b@firma.de',
      'c@firma.de',
    ]);
  });
  it('survives a stray percent sign and ignores other schemes', () => {
    expect(mailtoEmails('mailto:100%happy@firma.de')).toEqual(['100%happy@firma.de']);
    expect(mailtoEmails('https://firma.de/mailto:info@firma.de')).toEqual([]);
    expect(mailtoEmails('mailto:')).toEqual([]);
  });
  it('is found in a page even when the link text says something else', () => {
    expect(emailsOf('<a href="mailto:buero@firma.de?subject=Hi">Schreiben Sie uns</a>')).toEqual(['buero@firma.de']);
  });
});

describe('plain and entity-encoded text', () => {
  it('finds addresses in text, deduplicated, in order', () => {
    expect(findEmails('Contact: info@firma.de or Sales@Firma.de. Again: info@firma.de!')).toEqual([
      'info@firma.de',
      'sales@firma.de',
    ]);
  });
  it('decodes decimal and hex entities', () => {
    expect(emailsOf('<p>info&#64;firma.de and office&#x40;firma&#46;de</p>')).toEqual([
      'info@firma.de',
      'office@firma.de',
    ]);
  });
  it('joins addresses split across inline elements, not across blocks', () => {
    expect(emailsOf('<p>info<span>@</span>firma.de</p>')).toEqual(['info@firma.de']);
    expect(emailsOf('<div>info@</div><div>firma.de</div>')).toEqual([]);
  });
  it('trims sentence punctuation and keeps subdomains, plus tags and IDNs', () => {
    expect(findEmails('(write to jobs@hr.firma.co.uk.)')).toEqual(['jobs@hr.firma.co.uk']);
    expect(findEmails('a.b+news@firma.de')).toEqual(['a.b+news@firma.de']);
    expect(findEmails('kontakt@bäckerei-müller.de')).toEqual(['kontakt@bäckerei-müller.de']);
  });
  it('ignores script and style contents', () => {
    const html = `<script>var dsn = "https://abc123@o1.ingest.sentry.io/5"; var m = "hidden@firma.de";</script>
      <style>.x{background:url(a@firma.de)}</style><p>shown@firma.de</p>`;
    expect(emailsOf(html)).toEqual(['shown@firma.de']);
  });
});

describe('obfuscated forms', () => {
  it.each([
    ['info [at] firma [dot] de', 'info@firma.de'],
    ['info(at)firma.de', 'info@firma.de'],
    ['info (at) firma (dot) de', 'info@firma.de'],
    ['info{at}firma{dot}de', 'info@firma.de'],
    ['info [@] firma [.] de', 'info@firma.de'],
    ['info AT firma DOT de', 'info@firma.de'],
    ['info [AT] firma [DOT] co [DOT] uk', 'info@firma.co.uk'],
    ['info(at)firma(punkt)de', 'info@firma.de'],
  ])('%s', (text, email) => {
    expect(emailsOf(`<p>${text}</p>`)).toEqual([email]);
  });
  it('leaves ordinary prose alone', () => {
    expect(emailsOf('<p>Meet us at the fair at 10, dot the i’s.</p>')).toEqual([]);
    expect(deobfuscateEmailText('Meet us at the fair')).toBe('Meet us at the fair');
    expect(emailsOf('<p>Open AT weekends</p>')).toEqual([]);
  });
});

describe('false positives are rejected', () => {
  it.each([
    ['retina image names', '<img src="x"> logo@2x.png icon@3x.webp hero@2x.jpg sprite@2x.zip'],
    ['package versions', 'https://cdn.jsdelivr.net/npm/bootstrap@5.3.0/dist/css/bootstrap.min.css jquery@3.7.1.min.js'],
    ['npm scopes', 'npm install @types/node@20.1.0 and lodash@4.17.21'],
    ['invalid TLDs', 'a@firma.c x@firma.notatld y@firma.123 z@localhost w@firma.local'],
    ['example domains', 'user@example.com info@example.org a@mail.example.net b@sub.example.com c@test.example'],
    ['placeholder domains', 'me@yourdomain.com x@domain.com sales@yourcompany.com a@your-domain.com'],
    ['placeholder mailboxes', 'your-email@firma.de name@firma.de john.doe@firma.de max.mustermann@firma.de'],
    ['malformed addresses', '.@firma.de a..b@firma.de a@-firma.de a@firma-.de @firma.de a@ a@.de'],
  ])('%s', (_what, text) => {
    expect(emailsOf(`<p>${text}</p>`)).toEqual([]);
  });
  it('rejects a local part or domain longer than the RFC limits', () => {
    expect(findEmails(`${'a'.repeat(65)}@firma.de`)).toEqual([]);
    expect(findEmails(`a@${'b'.repeat(250)}.de`)).toEqual([]);
    expect(findEmails(`${'a'.repeat(64)}@firma.de`)).toEqual([`${'a'.repeat(64)}@firma.de`]);
  });
  it('keeps real mailboxes at small firms that look generic', () => {
    expect(normalizeEmail('mail', 'firma.de')).toBe('mail@firma.de');
    expect(normalizeEmail('email', 'firma.de')).toBe('email@firma.de');
  });
});
