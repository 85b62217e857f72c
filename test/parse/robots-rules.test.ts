import { describe, expect, it } from 'vitest';
import { allowAllRobots, disallowAllRobots, parseRobotsRules } from '../../src/parse/robots-rules.js';

const robotsUrl = 'https://jenkinseyecare.com/robots.txt';
const ua = 'pipectl/0.1';

describe('parseRobotsRules', () => {
  const rules = parseRobotsRules(
    [
      '\uFEFFUser-agent: *',
      'Disallow: /wp-admin/',
      'Allow: /wp-admin/admin-ajax.php',
      'Disallow: /*.pdf$',
      'Crawl-delay: 2',
      '',
      'User-agent: pipectl',
      'Disallow: /private/',
      'Crawl-delay: 5',
      '',
      'User-agent: BadBot',
      'Disallow: /',
    ].join('\r\n'),
    robotsUrl,
  );

  it('applies the group for our user agent, longest match first', () => {
    expect(rules.isAllowed('https://jenkinseyecare.com/contact-us', ua)).toBe(true);
    expect(rules.isAllowed('https://jenkinseyecare.com/private/x', ua)).toBe(false);
    // pipectl has its own group, so the * group does not apply to it.
    expect(rules.isAllowed('https://jenkinseyecare.com/wp-admin/', ua)).toBe(true);
    expect(rules.crawlDelay(ua)).toBe(5);
  });

  it('applies the * group to other agents, with wildcards and $', () => {
    expect(rules.isAllowed('https://jenkinseyecare.com/wp-admin/options.php', 'OtherBot')).toBe(false);
    expect(rules.isAllowed('https://jenkinseyecare.com/wp-admin/admin-ajax.php', 'OtherBot')).toBe(true);
    expect(rules.isAllowed('https://jenkinseyecare.com/files/brochure.pdf', 'OtherBot')).toBe(false);
    expect(rules.isAllowed('https://jenkinseyecare.com/files/brochure.pdf?x=1', 'OtherBot')).toBe(true);
    expect(rules.isAllowed('https://jenkinseyecare.com/', 'BadBot')).toBe(false);
    expect(rules.crawlDelay('OtherBot')).toBe(2);
  });

  it('does not govern other origins', () => {
    expect(rules.isAllowed('https://other.example/private/x', ua)).toBe(true);
  });

  it('has fixed rules for a missing and an unreachable robots.txt', () => {
    expect(allowAllRobots.isAllowed('https://a.example/x', ua)).toBe(true);
    expect(disallowAllRobots.isAllowed('https://a.example/x', ua)).toBe(false);
  });
});
