import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { useTestDatabase } from '../helpers/databases.js';
import { type Listening, listen, recorded, tempFile } from './helpers/listen.js';
import { addSecret, databasePassword, itLeaksNoSecrets, withPassword } from './helpers/secrets.js';

describe('security: the webhook URL and the database password never come out', () => {
  const t = useTestDatabase('postgres');
  const token = 'XoXoSeCrEtToKeN0123456789';
  let slack: Listening;
  let answer: { status: number; body: (url: string) => string } = { status: 200, body: () => 'ok' };
  let webhook = '';

  beforeAll(async () => {
    slack = await listen((req, res) => {
      let body = '';
      req.on('data', (d) => {
        body += d;
      });
      req.on('end', () => {
        res.writeHead(answer.status, { 'content-type': 'text/plain' });
        // A hostile or broken endpoint that echoes what it was sent, URL included.
        res.end(answer.body(`http://127.0.0.1:${slack.port}${req.url} ${body.slice(0, 50)}`));
      });
    });
    webhook = `http://127.0.0.1:${slack.port}/services/T0RELIAB/B0RELIAB/${token}`;
    addSecret(webhook);
    addSecret(token);
  });
  afterAll(async () => slack?.close());

  const failing = () =>
    tempFile(
      'failing.yml',
      'checks:\n  - name: always-fires\n    description: fires on every run\n    severity: fail\n    sql: select 1 as one\n',
    );

  it('keeps the webhook out of every answer, error and --debug stack', { timeout: 120_000 }, async () => {
    const env = { DATABASE_URL: withPassword(t.url ?? '') };
    const config = failing();
    const runs: [string, typeof answer, string[], Record<string, string>][] = [
      ['delivered', { status: 200, body: () => 'ok' }, ['--slack-webhook', webhook], {}],
      ['500 three times', { status: 500, body: (u) => `upstream error for ${u}` }, ['--slack-webhook', webhook], {}],
      [
        '404 echoing the URL',
        { status: 404, body: (u) => `no_service: ${u}` },
        ['--slack-webhook', webhook, '--debug'],
        {},
      ],
      ['403 invalid_token', { status: 403, body: () => 'invalid_token' }, [], { SLACK_WEBHOOK_URL: webhook }],
      ['dry run', { status: 200, body: () => 'ok' }, ['--slack-dry-run', '--slack-webhook', webhook], {}],
    ];
    for (const [what, a, flags, extraEnv] of runs) {
      answer = a;
      await sql`delete from alert_state`.execute(t.db);
      for (const json of [true, false]) {
        const r = recorded(
          await runCli(
            [
              'check',
              '--config',
              config,
              ...(json ? ['--json'] : []),
              '--slack-timeout',
              '2s',
              ...flags,
              ...(flags.includes('--slack-dry-run') ? [] : ['--slack']),
            ],
            { env: { ...env, ...extraEnv } },
          ),
        );
        expect([1, 2], `${what}: ${r.stderr}`).toContain(r.code);
        await sql`delete from alert_state`.execute(t.db);
      }
    }
    expect(slack.connections()).toBeGreaterThan(0);
    // Nobody listening any more: a network error names no URL either.
    await slack.close();
    const r = recorded(
      await runCli(
        ['check', '--config', config, '--slack', '--slack-webhook', webhook, '--slack-timeout', '1s', '--debug'],
        { env },
      ),
    );
    expect(r.code).toBe(2);
  });

  it('keeps the database password out of errors, --json documents and --debug stacks', {
    timeout: 120_000,
  }, async () => {
    const down = `postgres://postgres:${databasePassword}@127.0.0.1:1/pipectl_nowhere`;
    const commands = [
      ['db', 'status', '--json'],
      ['db', 'status', '--debug'],
      ['check', '--json'],
      ['domains', 'list', '--json'],
      ['audit', 'stuck', '--json'],
      ['process', '--until-idle', '--log-format', 'json'],
    ];
    for (const args of commands) {
      const r = recorded(await runCli(args, { env: { DATABASE_URL: down }, timeoutMs: 60_000 }));
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
    }
    // The same through the flag, and a URL that does not parse.
    for (const url of [down, `postgres://postgres:${databasePassword}@[::1/bad`]) {
      recorded(await runCli(['db', 'status', '--json', '--database-url', url]));
    }
    // And a working database: status, checks, audits print where they are connected.
    const up = withPassword(t.url ?? '');
    for (const args of [
      ['db', 'status', '--json'],
      ['db', 'status'],
      ['check', '--json'],
      ['audit', 'stuck'],
    ]) {
      recorded(await runCli(args, { env: { DATABASE_URL: up } }));
    }
  });
});

itLeaksNoSecrets();
