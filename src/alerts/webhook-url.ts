import { SlackDeliveryError } from './slack-delivery-error.js';

/**
 * Checks that the configured webhook is an http(s) URL. The message names where the URL came
 * from, never the URL: a secret pasted wrongly is still a secret.
 */
export function parseWebhookUrl(webhookUrl: string): URL {
  let url: URL | undefined;
  try {
    url = new URL(webhookUrl);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== 'https:' && url.protocol !== 'http:') || url.host === '') {
    throw new SlackDeliveryError(
      'slack_not_configured',
      'the Slack webhook is not an http(s) URL — set SLACK_WEBHOOK_URL or --slack-webhook to the https://hooks.slack.com/services/… URL of an incoming webhook',
    );
  }
  return url;
}

/**
 * Replaces the webhook URL, its path (Slack's secret part: `/services/T…/B…/token`), its query
 * (Google Chat-style and proxied webhooks carry the token in `?key=…&token=…`) and its path with
 * the query, wherever they occur in a text, as written or percent-decoded: an endpoint's error
 * body may echo its request line.
 */
export function redactWebhook(text: string, url: URL): string {
  const written = [url.href, url.href.replace(/\/$/, ''), `${url.pathname}${url.search}`, url.pathname, url.search];
  const params = [...url.searchParams.values()];
  // A part too short to be a token would blank out ordinary words instead.
  const secrets = [...new Set([...written, ...written.map(safeDecode), ...params])]
    .filter((s) => s.length >= 8)
    .sort((a, b) => b.length - a.length);
  let out = text;
  for (const secret of secrets) out = out.split(secret).join('***');
  // And anything shaped like a Slack webhook path, in case the text holds another one.
  return out.replace(/\/services\/[A-Z0-9]+\/[A-Z0-9]+\/[A-Za-z0-9]+/g, '/services/***');
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
