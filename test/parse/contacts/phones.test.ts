import { describe, expect, it } from 'vitest';
import { extractContacts } from '../../../src/parse/contacts/extract-contacts.js';
import { parsePhone } from '../../../src/parse/contacts/parse-phone.js';
import { phoneRegionFromHost } from '../../../src/parse/contacts/phone-region-from-host.js';
import { telLinkPhone } from '../../../src/parse/contacts/tel-link-phone.js';

const phonesOf = (html: string, url: string) => extractContacts(html, url).phones;

describe('tel: links', () => {
  it('reads international numbers in any format', () => {
    expect(telLinkPhone('tel:+49-30-1234567', undefined)).toEqual({ kind: 'phone', value: '+49301234567' });
    expect(telLinkPhone('TEL:+44%2020%207946%200958', undefined)).toEqual({ kind: 'phone', value: '+442079460958' });
  });
  it('keeps extensions, as ;ext= or as a dialler pause', () => {
    expect(telLinkPhone('tel:+1-650-253-0000;ext=77', undefined)).toEqual({
      kind: 'phone',
      value: '+16502530000;ext=77',
    });
    expect(telLinkPhone('tel:+16502530000,123', undefined)).toEqual({ kind: 'phone', value: '+16502530000;ext=123' });
    expect(telLinkPhone('tel:+16502530000p9', undefined)).toEqual({ kind: 'phone', value: '+16502530000;ext=9' });
  });
  it('reads national numbers in the site region and leaves them unresolved without one', () => {
    expect(telLinkPhone('tel:030 1234567', 'DE')).toEqual({ kind: 'phone', value: '+49301234567' });
    expect(telLinkPhone('tel:(650) 253-0000', undefined)).toEqual({ kind: 'unresolved', raw: '(650) 253-0000' });
  });
  it('rejects invalid numbers and other schemes', () => {
    expect(telLinkPhone('tel:+49 12', undefined)).toBeUndefined();
    expect(telLinkPhone('tel:+1 555 123 4567', undefined)).toBeUndefined(); // 555 is fictional
    expect(telLinkPhone('tel:', 'DE')).toBeUndefined();
    expect(telLinkPhone('callto:+49301234567', undefined)).toBeUndefined();
    expect(telLinkPhone(`tel:+${'1'.repeat(100)}`, undefined)).toBeUndefined();
  });
  it('are found in a page', () => {
    expect(phonesOf('<a href="tel:+33142685300">Appelez-nous</a>', 'https://exemple.fr/')).toEqual(['+33142685300']);
  });
});

describe('numbers in text', () => {
  it.each([
    ['Tel: 030 1234567', 'https://firma.de/', '+49301234567'],
    ['Tel.: (030) 123 45 67', 'https://firma.de/', '+49301234567'],
    ['Telefon 0151 23456789', 'https://firma.de/', '+4915123456789'],
    ['Telefon (Zentrale): 030-1234567', 'https://firma.de/', '+49301234567'],
    ['Tel/Fax: 030 1234567', 'https://firma.de/', '+49301234567'],
    ['Téléphone : 01 42 68 53 00', 'https://exemple.fr/', '+33142685300'],
    ['Tél. 06&nbsp;12&nbsp;34&nbsp;56&nbsp;78', 'https://exemple.fr/', '+33612345678'],
    ['Phone: 020 7946 0958', 'https://firm.co.uk/', '+442079460958'],
    ['Phone number: 02 9374 4000', 'https://firm.com.au/', '+61293744000'],
    ['Mobil: 0664 1234567', 'https://firma.at/', '+436641234567'],
    ['Phone: +1 (650) 253-0000 ext. 12', 'https://firm.com/', '+16502530000;ext=12'],
    ['Tel 030 1234567 Berlin 2024', 'https://firma.de/', '+49301234567'],
  ])('labelled: %s', (text, url, phone) => {
    expect(phonesOf(`<p>${text}</p>`, url)).toEqual([phone]);
  });
  it('reads unlabelled numbers only in international form', () => {
    expect(phonesOf('<p>Call +49 30 1234567 or 030 7654321</p>', 'https://firma.de/')).toEqual(['+49301234567']);
    expect(phonesOf('<p>Zentrale +49 (0)30 1234567</p>', 'https://firma.de/')).toEqual(['+49301234567']);
    expect(phonesOf('<p>Reach us on +1 650-253-0000.</p>', 'https://firm.com/')).toEqual(['+16502530000']);
  });
  it('does not read a fax number as a phone', () => {
    expect(phonesOf('<p>Fax: +49 30 1234568</p><p>Tel: +49 30 1234567</p>', 'https://firma.de/')).toEqual([
      '+49301234567',
    ]);
  });
  it('leaves a national number on a generic TLD unresolved, never guessed', () => {
    const found = extractContacts('<p>Phone: (650) 253-0000</p>', 'https://firm.com/');
    expect(found.phones).toEqual([]);
    expect(found.unresolvedPhones).toEqual(['(650) 253-0000']);
  });
  it('splits label and number at block boundaries', () => {
    expect(phonesOf('<table><tr><td>Tel</td></tr><tr><td>030 1234567</td></tr></table>', 'https://firma.de/')).toEqual(
      [],
    );
  });
});

describe('things that are not phones', () => {
  it.each([
    ['dates', 'Stand: 2024-01-15, aktualisiert 15.01.2024, 01/15/2024'],
    ['labelled dates', 'Tel: 2024-01-15'],
    ['ISBNs', 'ISBN 978-3-16-148410-0, ISBN 3-16-148410-X'],
    ['version strings', 'Version 10.2.3, v2.14.1, release 1.2.3.4'],
    ['order numbers', 'Order #123456789, Bestellnummer 20240115-0042, Order #+4930123456'],
    ['IP addresses', 'Server 192.168.100.200 and 10.0.0.1'],
    ['prices and postcodes', 'EUR 1.234.567,00 — 10115 Berlin'],
    ['phone-shaped numbers in URLs', '<a href="https://firma.de/p?id=+49301234567">x</a>'],
    ['numbers inside tokens', 'SKU-A+49301234567 and 5+49301234567'],
  ])('%s', (_what, text) => {
    expect(phonesOf(`<p>${text}</p>`, 'https://firma.de/')).toEqual([]);
  });
  it('rejects labelled IP addresses, versions and ISBNs outright', () => {
    expect(parsePhone('192.168.1.1', 'DE')).toBeUndefined();
    expect(parsePhone('1.2.3.4', 'DE')).toBeUndefined();
    expect(parsePhone('978-3-16-148410-0', 'DE')).toBeUndefined();
    expect(parsePhone('15.01.2024', 'DE')).toBeUndefined();
  });
});

describe('phoneRegionFromHost', () => {
  it.each([
    ['www.firma.de', 'DE'],
    ['firma.co.uk', 'GB'],
    ['shop.firm.com.au', 'AU'],
    ['exemple.fr.', 'FR'],
    ['tienda.com.co', 'CO'],
    ['firm.com', undefined],
    ['firm.org', undefined],
    ['startup.io', undefined],
    ['brand.co', undefined],
    ['europa.eu', undefined],
    ['localhost', undefined],
  ])('%s → %s', (host, region) => {
    expect(phoneRegionFromHost(host)).toBe(region);
  });
});
