import { describe, expect, it } from 'vitest';
import { cloudflareHashFromHref, decodeCloudflareEmail } from '../../../src/parse/contacts/cloudflare-email.js';
import { extractContacts } from '../../../src/parse/contacts/extract-contacts.js';

/*
 * Vectors generated for these tests with an independent encoder (Python: key byte, then each
 * UTF-8 byte of the address XOR the key, all in hex), not with the decoder under test.
 */
const umlautVector = {
  hex: '5a3135342e3b312e1a3899fe39313f283f33773799e636363f28743e3f', // key 0x5a
  email: 'kontakt@bäckerei-müller.de',
};
const asciiVector = { hex: 'a3cacdc5cce3c0c58ed0cbccd38dc7c6', email: 'info@cf-shop.de' }; // key 0xa3
const withQuery = '1764767b72645774713a647f7867397372286462757d7274632a5f767b7b78'; // key 0x17: sales@cf-shop.de?subject=Hallo

describe('decodeCloudflareEmail', () => {
  it('decodes the two generated vectors, including multi-byte UTF-8', () => {
    expect(decodeCloudflareEmail(umlautVector.hex)).toBe(umlautVector.email);
    expect(decodeCloudflareEmail(asciiVector.hex)).toBe(asciiVector.email);
    expect(decodeCloudflareEmail(asciiVector.hex.toUpperCase())).toBe(asciiVector.email);
  });
  it('rejects malformed values', () => {
    expect(decodeCloudflareEmail('')).toBeUndefined();
    expect(decodeCloudflareEmail('5a')).toBeUndefined(); // a key and nothing to decode
    expect(decodeCloudflareEmail('5a313')).toBeUndefined(); // odd length
    expect(decodeCloudflareEmail('zz3135')).toBeUndefined();
    expect(decodeCloudflareEmail(`00${'41'.repeat(300)}`)).toBeUndefined(); // longer than any address
    expect(decodeCloudflareEmail('00c3')).toBeUndefined(); // a truncated UTF-8 sequence
  });
  it('finds the value of a protection link, relative or absolute', () => {
    expect(cloudflareHashFromHref(`/cdn-cgi/l/email-protection#${asciiVector.hex}`)).toBe(asciiVector.hex);
    expect(cloudflareHashFromHref(`https://cf-shop.de/cdn-cgi/l/email-protection#${asciiVector.hex}`)).toBe(
      asciiVector.hex,
    );
    expect(cloudflareHashFromHref('/cdn-cgi/l/email-protection')).toBeUndefined();
    expect(cloudflareHashFromHref('/kontakt#team')).toBeUndefined();
  });
});

describe('Cloudflare-protected pages', () => {
  it('reads data-cfemail and never the placeholder text', () => {
    const html = `<p>Mail: <a href="/cdn-cgi/l/email-protection" class="__cf_email__"
      data-cfemail="${umlautVector.hex}">[email&#160;protected]</a></p>`;
    expect(extractContacts(html, 'https://bäckerei-müller.de/').emails).toEqual([umlautVector.email]);
  });
  it('reads the hash of a protection link and drops its query', () => {
    const html = `<a href="/cdn-cgi/l/email-protection#${asciiVector.hex}">[email protected]</a>
      <a href="/cdn-cgi/l/email-protection#${withQuery}"><span>[email&#160;protected]</span></a>`;
    expect(extractContacts(html, 'https://cf-shop.de/').emails).toEqual(['info@cf-shop.de', 'sales@cf-shop.de']);
  });
  it('ignores a value that decodes to something other than an address', () => {
    const html = '<span data-cfemail="5a3b38">x</span><span data-cfemail="nothex">y</span>';
    expect(extractContacts(html, 'https://cf-shop.de/').emails).toEqual([]);
  });
});
