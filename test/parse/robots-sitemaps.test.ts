import { describe, expect, it } from 'vitest';
import { extractRobotsSitemaps } from '../../src/parse/robots-sitemaps.js';
import { robotsMaxBytes } from '../../src/parse/robots-text.js';

const robotsUrl = 'https://jenkinseyecare.com/robots.txt';

describe('extractRobotsSitemaps', () => {
  it('reads a typical WordPress robots.txt', () => {
    const body = [
      'User-agent: *',
      'Disallow: /wp-admin/',
      'Allow: /wp-admin/admin-ajax.php',
      '',
      'Sitemap: https://jenkinseyecare.com/sitemap_index.xml',
    ].join('\n');
    expect(extractRobotsSitemaps(body, robotsUrl)).toEqual(['https://jenkinseyecare.com/sitemap_index.xml']);
  });

  it('matches the directive in any case, anywhere in the file, inside or outside groups', () => {
    const body = [
      'SITEMAP: https://jenkinseyecare.com/a.xml',
      'User-agent: Googlebot',
      'sitemap: https://jenkinseyecare.com/b.xml',
      'Disallow: /private',
      'SiteMap : https://jenkinseyecare.com/c.xml',
      'User-agent: *',
      'Allow: /',
      'sItEmAp:https://jenkinseyecare.com/d.xml',
    ].join('\n');
    expect(extractRobotsSitemaps(body, robotsUrl)).toEqual([
      'https://jenkinseyecare.com/a.xml',
      'https://jenkinseyecare.com/b.xml',
      'https://jenkinseyecare.com/c.xml',
      'https://jenkinseyecare.com/d.xml',
    ]);
  });

  it('handles leading and trailing spaces, tabs, CRLF, lone CR and a UTF-8 BOM', () => {
    const body =
      '\uFEFFSitemap: https://jenkinseyecare.com/bom.xml\r\n   Sitemap:\t https://jenkinseyecare.com/spaces.xml   \r\nUser-agent: *\rSitemap: https://jenkinseyecare.com/cr.xml';
    expect(extractRobotsSitemaps(body, robotsUrl)).toEqual([
      'https://jenkinseyecare.com/bom.xml',
      'https://jenkinseyecare.com/spaces.xml',
      'https://jenkinseyecare.com/cr.xml',
    ]);
    // The BOM given as bytes, as it comes off the wire.
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('Sitemap: /s.xml\n')]);
    expect(extractRobotsSitemaps(bytes, robotsUrl)).toEqual(['https://jenkinseyecare.com/s.xml']);
  });

  it('cuts inline # comments and ignores commented-out lines', () => {
    const body = [
      '# Sitemap: https://jenkinseyecare.com/old.xml',
      'Sitemap: https://jenkinseyecare.com/main.xml # the main one',
      'Sitemap: https://jenkinseyecare.com/news.xml#fragment-like',
      'Sitemap: # nothing here',
    ].join('\n');
    expect(extractRobotsSitemaps(body, robotsUrl)).toEqual([
      'https://jenkinseyecare.com/main.xml',
      'https://jenkinseyecare.com/news.xml',
    ]);
  });

  it('resolves relative values against the robots.txt URL', () => {
    const body = 'Sitemap: /sitemap.xml\nSitemap: sitemaps/pages.xml\nSitemap: //cdn.jenkinseyecare.com/s.xml';
    expect(extractRobotsSitemaps(body, 'http://jenkinseyecare.com:8080/robots.txt')).toEqual([
      'http://jenkinseyecare.com:8080/sitemap.xml',
      'http://jenkinseyecare.com:8080/sitemaps/pages.xml',
      'http://cdn.jenkinseyecare.com/s.xml',
    ]);
  });

  it('allows sitemaps on other hosts (cross-submission)', () => {
    expect(extractRobotsSitemaps('Sitemap: https://sitemaps.cdn-host.net/jenkins/index.xml', robotsUrl)).toEqual([
      'https://sitemaps.cdn-host.net/jenkins/index.xml',
    ]);
  });

  it('removes duplicates in first-seen order, after normalization', () => {
    const body = [
      'Sitemap: https://jenkinseyecare.com/b.xml',
      'Sitemap: https://jenkinseyecare.com/a.xml',
      'Sitemap: https://JENKINSEYECARE.com:443/b.xml',
      'Sitemap: /a.xml',
    ].join('\n');
    expect(extractRobotsSitemaps(body, robotsUrl)).toEqual([
      'https://jenkinseyecare.com/b.xml',
      'https://jenkinseyecare.com/a.xml',
    ]);
  });

  it('drops values that are not http(s) URLs', () => {
    const body =
      'Sitemap: ftp://jenkinseyecare.com/s.xml\nSitemap: javascript:alert(1)\nSitemap: https://[bad\nSitemap: https://jenkinseyecare.com/ok.xml';
    expect(extractRobotsSitemaps(body, robotsUrl)).toEqual(['https://jenkinseyecare.com/ok.xml']);
  });

  it('reads the misspelling Site-map: as a sitemap line, as Google’s robots.txt parser does', () => {
    const body = 'User-agent: *\nSite-map: https://jenkinseyecare.com/a.xml\nsite-MAP : /b.xml\nSite_map: /c.xml';
    expect(extractRobotsSitemaps(body, robotsUrl)).toEqual([
      'https://jenkinseyecare.com/a.xml',
      'https://jenkinseyecare.com/b.xml',
    ]);
  });

  it('does not take other directives that merely contain the word', () => {
    const body =
      'Disallow: /sitemap: no\nX-Sitemap: https://jenkinseyecare.com/x.xml\nSitemaps: https://jenkinseyecare.com/y.xml';
    expect(extractRobotsSitemaps(body, robotsUrl)).toEqual([]);
  });

  it('reads only the first 500 KiB, and drops a line cut at the limit', () => {
    const before = 'Sitemap: https://jenkinseyecare.com/before.xml\n';
    // A comment line that ends 20 bytes before the limit, so that the next line straddles it.
    const padding = `#${'x'.repeat(robotsMaxBytes - before.length - 20 - 2)}\n`;
    const cutLine = 'Sitemap: https://jenkinseyecare.com/cut-in-the-middle.xml\n';
    const after = 'Sitemap: https://jenkinseyecare.com/after.xml\n';
    const body = before + padding + cutLine + after;
    expect(Buffer.byteLength(before + padding)).toBeLessThan(robotsMaxBytes);
    expect(Buffer.byteLength(before + padding + cutLine)).toBeGreaterThan(robotsMaxBytes);
    expect(extractRobotsSitemaps(body, robotsUrl)).toEqual(['https://jenkinseyecare.com/before.xml']);
  });

  it('returns nothing for an empty file or an HTML page', () => {
    expect(extractRobotsSitemaps('', robotsUrl)).toEqual([]);
    expect(extractRobotsSitemaps('<html><body>Not found</body></html>', robotsUrl)).toEqual([]);
  });
});
