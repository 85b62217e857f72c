import http from 'node:http';
import https from 'node:https';
import { ErrorCode, IncomingWebhook } from '@slack/webhook';
import { formatElapsed, formatShort } from '../duration.js';
import { backoffDelay } from '../pipeline/queue/backoff.js';
import { describeSlackBody, SlackDeliveryError, slackRefusal } from './slack-delivery-error.js';
import type { SlackMessage } from './slack-message.js';
import { parseWebhookUrl, redactWebhook } from './webhook-url.js';

/** How hard delivery tries. All of it runs while `pipectl check --slack` holds the alert lock. */
export interface DeliveryPolicy {
  /** Requests at most, the first included (default 3). */
  maxAttempts: number;
  /** Wall-clock limit of one request, connect to last byte (default 10 s; `--slack-timeout`). */
  attemptTimeoutMs: number;
  /** Wall-clock limit of the whole delivery, waits included (default 3 × the attempt limit). */
  totalTimeoutMs: number;
  /** The first backoff after a 5xx or network error, doubling, with jitter (default 1 s). */
  backoffBaseMs: number;
}

/** The policy for an attempt timeout: 3 tries, all within 3 × the timeout. */
export function deliveryPolicy(attemptTimeoutMs = 10_000): DeliveryPolicy {
  return { maxAttempts: 3, attemptTimeoutMs, totalTimeoutMs: 3 * attemptTimeoutMs, backoffBaseMs: 1000 };
}

/** What a delivery took. */
export interface Delivery {
  attempts: number;
  ms: number;
}

/** One request's result: delivered, refused for good, or worth another try (after `waitMs` if Slack said so). */
type Attempt =
  | { ok: true }
  | { ok: false; refused: { status: number; body: unknown } }
  | { ok: false; refused?: undefined; reason: string; status?: number; retryAfterMs?: number };

/**
 * Posts a message to a Slack incoming webhook, through `@slack/webhook`'s `IncomingWebhook.send`:
 * - 2xx: delivered;
 * - 429: waits as long as `Retry-After` says, if that fits in the remaining time;
 * - 5xx, network errors and timeouts: backs off exponentially (1 s, 2 s, with jitter);
 * - any other 3xx/4xx: stops at once with Slack's error string mapped to what to fix;
 * - at most `maxAttempts` requests, all within `totalTimeoutMs`.
 * Throws a `SlackDeliveryError` (exit 2) whose message never contains the webhook URL.
 *
 * Why the retries are ours, not the library's (measured on @slack/webhook 7.2.0 against a local
 * server): its `retryConfig` (p-retry) retries 5xx only, gives up on a 429 at once and never
 * reads Retry-After. Its `timeout` option is axios's idle-socket timer, so an endpoint that
 * trickles a byte every 300 ms was still connected after 5 s with `timeout: 1000`; and it copies
 * `timeout` into the posted JSON (`{"timeout":1000,"text":…}`, or `"timeout":0` by default), so the
 * post would differ from the `--slack-dry-run` payload. Each attempt therefore gets its own
 * http(s) Agent, passed through the library's `agent` option and destroyed when the attempt's
 * wall-clock time is up: that ends a silent or a trickling endpoint alike (measured: 1.0 s for a
 * 1 s limit), and the posted body is exactly the payload.
 */
export async function deliverSlackMessage(
  webhookUrl: string,
  message: SlackMessage,
  policy: DeliveryPolicy = deliveryPolicy(),
): Promise<Delivery> {
  const url = parseWebhookUrl(webhookUrl);
  try {
    return await deliver(url, message, policy);
  } catch (err) {
    // Every message below is built from our own words and Slack's short answer; this is the
    // belt to those braces, for an endpoint that echoes the request URL in its body.
    if (err instanceof SlackDeliveryError) {
      throw new SlackDeliveryError(err.code, redactWebhook(err.message, url), {
        status: err.status,
        attempts: err.attempts,
      });
    }
    throw new SlackDeliveryError('slack_unavailable', redactWebhook(`could not post to Slack: ${String(err)}`, url));
  }
}

async function deliver(url: URL, message: SlackMessage, policy: DeliveryPolicy): Promise<Delivery> {
  const started = performance.now();
  const deadline = started + policy.totalTimeoutMs;
  // The shortest attempt worth making: less than this and a healthy Slack could not answer.
  const floorMs = Math.min(1000, policy.attemptTimeoutMs / 2);
  let waitMs = 0;
  for (let attempt = 1; ; attempt += 1) {
    if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
    const timeoutMs = Math.min(policy.attemptTimeoutMs, deadline - performance.now());
    const result = await attemptDelivery(url, message, timeoutMs);
    const elapsed = performance.now() - started;
    if (result.ok) return { attempts: attempt, ms: Math.round(elapsed) };
    if (result.refused) throw slackRefusal(result.refused.status, result.refused.body, attempt);

    waitMs =
      result.retryAfterMs ??
      backoffDelay(attempt, { baseMs: policy.backoffBaseMs, maxMs: policy.totalTimeoutMs, jitter: true });
    const left = deadline - performance.now();
    const took = formatElapsed(elapsed, { separator: '' });
    const tries = `${attempt} ${attempt === 1 ? 'try' : 'tries'} in ${took}`;
    if (result.status === 429 && (attempt >= policy.maxAttempts || waitMs + floorMs > left)) {
      const after =
        result.retryAfterMs === undefined ? '' : `, Retry-After ${formatShort(result.retryAfterMs, { exact: true })}`;
      throw new SlackDeliveryError(
        'slack_rate_limited',
        `Slack rate-limited the webhook (HTTP 429${after}; gave up after ${tries}, the limit is ${formatShort(policy.totalTimeoutMs, { exact: true })}) — the next run sends the message again`,
        { status: 429, attempts: attempt },
      );
    }
    if (attempt >= policy.maxAttempts || waitMs + floorMs > left) {
      throw new SlackDeliveryError(
        'slack_unavailable',
        `could not post to Slack after ${tries}: ${result.reason} — the next run sends the message again`,
        { status: result.status, attempts: attempt },
      );
    }
  }
}

/** One request, ended by destroying its agent when `timeoutMs` of wall-clock time is up. */
async function attemptDelivery(url: URL, message: SlackMessage, timeoutMs: number): Promise<Attempt> {
  const agent =
    url.protocol === 'https:' ? new https.Agent({ keepAlive: false }) : new http.Agent({ keepAlive: false });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    agent.destroy();
  }, timeoutMs);
  try {
    // No `timeout` here: see deliverSlackMessage. Retries are off by default (retries: 0).
    await new IncomingWebhook(url.href, { agent }).send(message);
    return { ok: true };
  } catch (err) {
    if (timedOut) {
      return { ok: false, reason: `Slack did not answer within ${formatShort(timeoutMs, { exact: true })}` };
    }
    return classifyFailure(err, url);
  } finally {
    clearTimeout(timer);
    agent.destroy();
  }
}

/** The parts of @slack/webhook's errors we read: `code`, and axios's error as `original`. */
interface WebhookError {
  code?: string;
  original?: {
    code?: string;
    response?: { status: number; headers?: Record<string, unknown>; data?: unknown };
  };
}

/** Node and TLS error codes, in words; the raw message is not used, as it may name the URL. */
const networkErrors: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'DNS lookup failed',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  EPIPE: 'connection closed while sending',
  ERR_BAD_RESPONSE: 'the answer broke off',
};

function classifyFailure(err: unknown, url: URL): Attempt {
  const e = (err ?? {}) as WebhookError;
  const response = e.original?.response;
  if (e.code === ErrorCode.HTTPError && response !== undefined) {
    const { status } = response;
    if (status === 429) {
      return {
        ok: false,
        status,
        reason: 'HTTP 429',
        retryAfterMs: parseRetryAfter(response.headers?.['retry-after']),
      };
    }
    // Redacted before it is cut short, when a part of the URL would no longer match the whole.
    const body = typeof response.data === 'string' ? redactWebhook(response.data, url) : response.data;
    if (status >= 500) return { ok: false, status, reason: `HTTP ${status} ${describeSlackBody(body)}` };
    if (status >= 300) return { ok: false, refused: { status, body } };
  }
  const code = e.original?.code ?? 'network error';
  return { ok: false, reason: `cannot reach ${url.host}: ${networkErrors[code] ?? code}` };
}

/**
 * `Retry-After` in ms: delay-seconds, or an HTTP date (RFC 9110 §10.2.3); undefined when absent
 * or unreadable, and then the usual backoff applies.
 */
export function parseRetryAfter(value: unknown, now = Date.now()): number | undefined {
  const text = (Array.isArray(value) ? value[0] : value)?.toString().trim();
  if (!text) return undefined;
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
