import { describe, expect, it } from 'vitest';
import {
  type DeliveryPolicy,
  deliverSlackMessage,
  deliveryPolicy,
  parseRetryAfter,
} from '../../src/alerts/deliver-slack-message.js';
import { SlackDeliveryError } from '../../src/alerts/slack-delivery-error.js';
import type { SlackMessage } from '../../src/alerts/slack-message.js';
import { ExitCode } from '../../src/errors.js';
import { type StubAnswer, startSlackStub, useSlackStub } from './slack-stub.js';

const message: SlackMessage = {
  text: 'pipectl · test: 1 failing — firing: a',
  blocks: [
    { type: 'header', text: { type: 'plain_text', text: 'pipectl · test: 1 failing', emoji: true } },
    { type: 'section', text: { type: 'mrkdwn', text: ':red_circle: *a* · *failing*' } },
  ],
  unfurl_links: false,
  unfurl_media: false,
};

/** Quick retries, so that the suite does not wait seconds per case. */
const fast: DeliveryPolicy = { maxAttempts: 3, attemptTimeoutMs: 2000, totalTimeoutMs: 6000, backoffBaseMs: 50 };

const stub = useSlackStub();

async function failure(policy: DeliveryPolicy = fast, url = stub.url): Promise<SlackDeliveryError> {
  try {
    await deliverSlackMessage(url, message, policy);
  } catch (err) {
    expect(err).toBeInstanceOf(SlackDeliveryError);
    const e = err as SlackDeliveryError;
    // One line, exit 2, and no secret: not the URL, not its path, not its token.
    expect(e.exitCode).toBe(ExitCode.error);
    expect(e.message).not.toContain('\n');
    for (const secret of [stub.url, stub.token, 'T0STUB000/B0STUB000', 'sekret'])
      expect(e.message).not.toContain(secret);
    expect(JSON.stringify(e)).not.toContain(stub.token);
    expect(e.stack ?? '').not.toContain(stub.token);
    return e;
  }
  throw new Error('expected the delivery to fail');
}

const timed = async <T>(fn: () => Promise<T>): Promise<[T, number]> => {
  const started = performance.now();
  const value = await fn();
  return [value, performance.now() - started];
};

describe('deliverSlackMessage against a local Slack stand-in', () => {
  it('posts exactly the payload, once, on 200 ok', async () => {
    const delivery = await deliverSlackMessage(stub.url, message, fast);
    expect(delivery.attempts).toBe(1);
    // Byte for byte what --slack-dry-run prints: no `timeout` or other library field added.
    expect(stub.requests).toEqual([message]);
  });

  it('waits as long as Retry-After says on a 429, then delivers', async () => {
    stub.answer({ status: 429, headers: { 'retry-after': '1' }, body: 'rate_limited' });
    const [delivery, ms] = await timed(() => deliverSlackMessage(stub.url, message, fast));
    expect(delivery.attempts).toBe(2);
    expect(ms).toBeGreaterThanOrEqual(1000);
    expect(ms).toBeLessThan(2500);
    expect(stub.delivered).toHaveLength(1);
  });

  it('backs off and retries on 5xx, at most 3 requests', async () => {
    stub.answer({ status: 500, body: 'rollup_error' }, { status: 503 });
    const delivery = await deliverSlackMessage(stub.url, message, fast);
    expect(delivery.attempts).toBe(3);
    expect(stub.requests).toHaveLength(3);

    stub.reset();
    stub.answer({ status: 500, body: 'rollup_error' }, { status: 500, body: 'rollup_error' }, { status: 500 });
    const e = await failure();
    expect(stub.requests).toHaveLength(3);
    expect(e.code).toBe('slack_unavailable');
    expect(e.attempts).toBe(3);
    expect(e.message).toMatch(
      /^could not post to Slack after 3 tries in \d+ms: HTTP 500 no body — the next run sends the message again$/,
    );
  });

  it.each<[StubAnswer, string]>([
    [
      { status: 400, body: 'invalid_payload' },
      'Slack rejected the message: invalid_payload (HTTP 400) — Slack could not read the message — a pipectl bug: report it with the --slack-dry-run output',
    ],
    [
      { status: 404, body: 'channel_not_found' },
      "Slack rejected the message: channel_not_found (HTTP 404) — the webhook's channel no longer exists — create a webhook for an existing channel and set SLACK_WEBHOOK_URL or --slack-webhook",
    ],
    [
      { status: 410, body: 'channel_is_archived' },
      "Slack rejected the message: channel_is_archived (HTTP 410) — the webhook's channel is archived — unarchive it, or create a webhook for another channel and set SLACK_WEBHOOK_URL",
    ],
    [
      { status: 403, body: 'action_prohibited' },
      'Slack rejected the message: action_prohibited (HTTP 403) — the workspace does not let this webhook post there — ask a Slack admin about the channel or app restrictions',
    ],
    [
      { status: 404, body: 'no_service' },
      'Slack rejected the message: no_service (HTTP 404) — the webhook was removed or disabled — create a new one (Incoming Webhooks in the Slack app) and set SLACK_WEBHOOK_URL',
    ],
    [
      { status: 403, body: 'invalid_token' },
      "Slack rejected the message: invalid_token (HTTP 403) — the webhook URL's token is invalid or revoked — create a new webhook and set SLACK_WEBHOOK_URL",
    ],
    [
      { status: 404, body: 'no_active_hooks' },
      'Slack rejected the message: no_active_hooks (HTTP 404) — incoming webhooks are turned off for this Slack app — turn them on in its Incoming Webhooks settings, or use another webhook',
    ],
    [
      { status: 400, body: 'user_not_found' },
      'Slack rejected the message: user_not_found (HTTP 400) — the webhook names a user that does not exist — create a new webhook and set SLACK_WEBHOOK_URL',
    ],
    [
      { status: 418, body: '<html>\n  I am a teapot, not Slack\n</html>' },
      'Slack rejected the message: "<html> I am a teapot, not Slack </html>" (HTTP 418) — check SLACK_WEBHOOK_URL or --slack-webhook',
    ],
    [
      { status: 302, headers: { location: 'https://example.com/' } },
      'Slack rejected the message: no body (HTTP 302) — the webhook URL redirects elsewhere — copy the hooks.slack.com URL into SLACK_WEBHOOK_URL',
    ],
  ])('maps %o to a configuration error after one request, without retrying', async (answer, expected) => {
    stub.answer(answer);
    const e = await failure();
    expect(stub.requests).toHaveLength(1);
    expect(e.code).toBe('slack_rejected');
    expect(e.status).toBe(answer.status);
    expect(e.message).toBe(expected);
  });

  it('never repeats the URL, even when the endpoint echoes it back', async () => {
    stub.answer({ status: 400, body: `bad request to ${stub.url}` });
    const e = await failure();
    expect(e.message).toContain('***');
  });

  it('never repeats a token carried in the query string, alone or with its path, as written or decoded', async () => {
    const base = new URL(stub.url).origin;
    const url = `${base}/echo?key=QKEYQ1234&token=QSECRET%2FQ99`;
    stub.answer(
      ...Array.from({ length: 3 }, () => ({
        status: 500,
        body: `error at /echo?key=QKEYQ1234&token=QSECRET%2FQ99 (query ?key=QKEYQ1234&token=QSECRET/Q99, token QSECRET/Q99)`,
      })),
    );
    const e = await failure(fast, url);
    expect(e.message).toContain('error at ***');
    expect(e.message).not.toMatch(/QKEYQ|QSECRET/);
  });

  it('gives up at once when Retry-After is past the delivery budget', async () => {
    stub.answer({ status: 429, headers: { 'retry-after': '120' } });
    const [e, ms] = await timed(() => failure());
    expect(ms).toBeLessThan(1000);
    expect(stub.requests).toHaveLength(1);
    expect(e.code).toBe('slack_rate_limited');
    expect(e.message).toMatch(
      /^Slack rate-limited the webhook \(HTTP 429, Retry-After 2m; gave up after 1 try in \d+ms, the limit is 6s\) — the next run sends the message again$/,
    );
  });

  it('stops after 3 rate-limited tries', async () => {
    stub.answer(...Array.from({ length: 3 }, () => ({ status: 429, headers: { 'retry-after': '0' } })));
    const e = await failure();
    expect(stub.requests).toHaveLength(3);
    expect(e.code).toBe('slack_rate_limited');
  });

  it('ends a hanging endpoint within the total time: each try and the waits together', async () => {
    stub.answer({ hang: true }, { hang: true }, { hang: true });
    const policy: DeliveryPolicy = { maxAttempts: 3, attemptTimeoutMs: 400, totalTimeoutMs: 1200, backoffBaseMs: 50 };
    const [e, ms] = await timed(() => failure(policy));
    expect(ms).toBeLessThan(1200 + 500);
    expect(stub.requests.length).toBeGreaterThanOrEqual(2);
    expect(e.code).toBe('slack_unavailable');
    expect(e.message).toMatch(/Slack did not answer within \d+ms — the next run sends the message again$/);
  });

  it('retries a refused connection, and names the host, not the URL', async () => {
    const closed = await startSlackStub();
    const url = closed.url;
    await closed.close();
    const e = await failure(fast, url);
    expect(e.code).toBe('slack_unavailable');
    expect(e.attempts).toBe(3);
    expect(e.message).toMatch(/after 3 tries in \d+ms: cannot reach 127\.0\.0\.1:\d+: connection refused — /);
    expect(e.message).not.toContain(closed.token);
  });

  it('refuses a webhook that is not an http(s) URL, without repeating it', async () => {
    for (const bad of ['hooks.slack.com/services/T0/B0/sekret123', 'ftp://hooks.slack.com/services/T0/B0/sekret123']) {
      const e = await failure(fast, bad);
      expect(e.code).toBe('slack_not_configured');
      expect(e.message).not.toContain('sekret123');
    }
    expect(stub.requests).toHaveLength(0);
  });

  it('bounds the default policy: 3 tries of 10 s within 30 s', () => {
    expect(deliveryPolicy()).toEqual({
      maxAttempts: 3,
      attemptTimeoutMs: 10_000,
      totalTimeoutMs: 30_000,
      backoffBaseMs: 1000,
    });
  });
});

describe('parseRetryAfter', () => {
  it('reads delay-seconds and HTTP dates, and ignores the rest', () => {
    const now = Date.parse('2025-11-17T09:00:00Z');
    expect(parseRetryAfter('30', now)).toBe(30_000);
    expect(parseRetryAfter(['2'], now)).toBe(2000);
    expect(parseRetryAfter('Mon, 17 Nov 2025 09:00:45 GMT', now)).toBe(45_000);
    expect(parseRetryAfter('Mon, 17 Nov 2025 08:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
  });
});
