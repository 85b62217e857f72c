import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config.js';

describe('Slack configuration', () => {
  it('reads SLACK_WEBHOOK_URL and PIPECTL_ENV, and --slack-webhook and --env-name override them', () => {
    const env = { SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/T1/B1/env', PIPECTL_ENV: 'prod' };
    expect(resolveConfig({}, env)).toMatchObject({
      slackWebhookUrl: 'https://hooks.slack.com/services/T1/B1/env',
      envName: 'prod',
    });
    expect(
      resolveConfig({ 'slack-webhook': 'https://hooks.slack.com/services/T2/B2/flag', 'env-name': 'staging' }, env),
    ).toMatchObject({ slackWebhookUrl: 'https://hooks.slack.com/services/T2/B2/flag', envName: 'staging' });
  });

  it('treats empty values as unset', () => {
    const c = resolveConfig({}, { SLACK_WEBHOOK_URL: '', PIPECTL_ENV: '' });
    expect([c.slackWebhookUrl, c.envName]).toEqual([undefined, undefined]);
  });
});
