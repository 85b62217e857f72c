import { describe, expect, it } from 'vitest';
import { extractContacts, maxContactsPerKind } from '../../../src/parse/contacts/extract-contacts.js';

describe('extractContacts', () => {
  it('reads a realistic contact page, with decoys', () => {
    const html = `<!doctype html><html><head><title>Kontakt</title>
      <link rel="stylesheet" href="https://cdn.jsdelivr.net/npm/bootstrap@5.3.0/dist/css/bootstrap.min.css">
      <script>window.Sentry && Sentry.init({dsn: "https://0a1b2c@o4501.ingest.sentry.io/42"});</script></head>
      <body><img src="/img/logo@2x.png" alt="logo@2x.png">
      <footer><address>Muster GmbH &middot; Hauptstr. 1 &middot; 10115 Berlin<br>
      Tel.: <a href="tel:+49301234567">030 123 45 67</a><br>
      Fax: +49 30 1234568<br>
      E-Mail: <a href="mailto:info@muster-gmbh.de?subject=Anfrage">info@muster-gmbh.de</a><br>
      Presse: presse [at] muster-gmbh [dot] de<br>
      Jobs: jobs&#64;muster-gmbh.de</address>
      <p>Beispiel: ihre.name@example.com · USt-IdNr. DE123456789 · Stand 2024-01-15 · v3.2.1</p></footer></body></html>`;
    expect(extractContacts(html, 'https://www.muster-gmbh.de/kontakt')).toEqual({
      emails: ['info@muster-gmbh.de', 'jobs@muster-gmbh.de', 'presse@muster-gmbh.de'],
      phones: ['+49301234567'],
      unresolvedPhones: [],
    });
  });

  it('decodes bytes by their declared charset', () => {
    const latin1 = Buffer.from(
      '<meta charset="iso-8859-1"><p>Téléphone : 01 42 68 53 00, café@exemple.fr</p>',
      'latin1',
    );
    expect(extractContacts(latin1, 'https://exemple.fr/')).toEqual({
      emails: ['café@exemple.fr'],
      phones: ['+33142685300'],
      unresolvedPhones: [],
    });
    const utf8 = Buffer.from('<p>Téléphone : 01 42 68 53 00</p>', 'utf8');
    expect(extractContacts(utf8, 'https://exemple.fr/').phones).toEqual(['+33142685300']);
    // A Content-Type charset outranks the meta tag: read as UTF-8, the Latin-1 "é" is no letter.
    expect(extractContacts(latin1, 'https://exemple.fr/', { charset: 'utf-8' }).emails).toEqual([]);
  });

  it('takes the region from the options when given', () => {
    expect(extractContacts('<p>Tel: 030 1234567</p>', 'https://firm.com/', { region: 'DE' }).phones).toEqual([
      '+49301234567',
    ]);
    expect(extractContacts('<p>Tel: 030 1234567</p>', 'https://firma.de/', { region: null }).phones).toEqual([]);
  });

  it('caps the contacts kept per page', () => {
    const html = Array.from({ length: maxContactsPerKind + 50 }, (_, i) => `<p>user${i}@firma.de</p>`).join('');
    expect(extractContacts(html, 'https://firma.de/').emails).toHaveLength(maxContactsPerKind);
  });

  it('returns nothing for an empty or non-HTML document', () => {
    expect(extractContacts('', 'https://firma.de/')).toEqual({ emails: [], phones: [], unresolvedPhones: [] });
    expect(extractContacts(new Uint8Array([0, 1, 2, 255]), 'https://firma.de/').emails).toEqual([]);
  });
});
