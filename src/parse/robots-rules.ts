import robotsParserModule from 'robots-parser';
import { robotsText } from './robots-text.js';

// robots-parser's types declare an ES default export, but the package is CommonJS and its
// module.exports is the function itself, which is what Node's ESM default import returns.
const robotsParser = robotsParserModule as unknown as typeof robotsParserModule.default;

/** What a robots.txt allows a user agent to fetch. */
export interface RobotsRules {
  /** Whether the user agent may fetch the URL (a URL on another origin is allowed: these rules do not govern it). */
  isAllowed(url: string, userAgent: string): boolean;
  /** The `Crawl-delay` for the user agent, in seconds, if the file gives one. */
  crawlDelay(userAgent: string): number | undefined;
}

/**
 * Parses robots.txt allow/disallow rules (longest match wins, `*` and `$` patterns) with
 * robots-parser. The body is read like `extractRobotsSitemaps` reads it: UTF-8, BOM dropped, the
 * first 500 KiB only.
 */
export function parseRobotsRules(body: string | Uint8Array, robotsUrl: string): RobotsRules {
  const robots = robotsParser(robotsUrl, robotsText(body));
  return {
    // robots-parser answers undefined for a URL on another origin.
    isAllowed: (url, userAgent) => robots.isAllowed(url, userAgent) ?? true,
    crawlDelay: (userAgent) => robots.getCrawlDelay(userAgent),
  };
}

/** The rules when robots.txt is missing (HTTP 4xx): everything is allowed (RFC 9309 §2.3.1.3). */
export const allowAllRobots: RobotsRules = Object.freeze({
  isAllowed: () => true,
  crawlDelay: () => undefined,
});

/** The rules when robots.txt is unreachable (HTTP 5xx, network error): nothing is allowed (RFC 9309 §2.3.1.4). */
export const disallowAllRobots: RobotsRules = Object.freeze({
  isAllowed: () => false,
  crawlDelay: () => undefined,
});
