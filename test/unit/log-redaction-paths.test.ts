import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/lib/logger.js';
import { withLogContext } from '../../src/lib/log-context.js';

function capture() {
  const lines: string[] = [];
  const sink = new Writable({ write(chunk: Buffer, _e, done) { lines.push(chunk.toString()); done(); } });
  return { logger: createLogger('debug', sink), text: () => lines.join('') };
}

describe('log redaction where secrets sit one level deeper than the usual shapes', () => {
  it('redacts headers inside an error or a response (authorization, cookies, STS session tokens)', () => {
    const { logger, text } = capture();
    logger.warn({
      err: { message: 'upstream refused', config: { headers: { authorization: 'Bearer nested-1', Authorization: 'Basic nested-2' } }, response: { headers: { 'set-cookie': ['sid=nested-3'] } } },
      request: { headers: { cookie: 'sid=nested-4', 'x-amz-security-token': 'nested-5' } },
      headers: { Authorization: 'Bearer nested-6', 'set-cookie': 'sid=nested-7' },
    }, 'failed');
    for (const secret of ['nested-1', 'nested-2', 'nested-3', 'nested-4', 'nested-5', 'nested-6', 'nested-7']) expect(text()).not.toContain(secret);
    expect(text()).toContain('upstream refused');
  });

  it('redacts token-exchange and logout parameters, assertions and ID token hints in a form or query', () => {
    const { logger, text } = capture();
    logger.info({
      form: { subject_token: 'st-1', actor_token: 'at-2', client_assertion: 'ca-3', assertion: 'as-4', logout_token: 'lt-5' },
      query: { id_token_hint: 'ith-6' },
    }, 'params');
    for (const secret of ['st-1', 'at-2', 'ca-3', 'as-4', 'lt-5', 'ith-6']) expect(text()).not.toContain(secret);
  });

  it('redacts keys, hashes and recovery codes wherever an object holding them is logged', () => {
    const { logger, text } = capture();
    logger.info({
      config: { secrets: ['ls-1'], metricsToken: 'mt-2', s3: { secretKey: 'sk-3' }, federation: { google: { clientSecret: 'fcs-11' } } },
      settings: { federation: { apple: { privateKey: 'fpk-12' } } },
      provider: { privateJwks: { keys: [{ d: 'pk-4' }] } },
      user: { passwordHash: '$argon2id$ph-5', password_hash: '$argon2id$ph-6' },
      credentials: { secretAccessKey: 'sak-7', sessionToken: 'sess-8' },
      outcome: { recoveryCodes: ['rc-9'] },
    }, 'objects');
    for (const secret of ['ls-1', 'mt-2', 'sk-3', 'pk-4', 'ph-5', 'ph-6', 'sak-7', 'sess-8', 'rc-9', 'fcs-11', 'fpk-12']) expect(text()).not.toContain(secret);
  });
});

describe('request ids on log lines', () => {
  it('adds the request id of the work in progress to every line, and none outside a request', () => {
    const { logger, text } = capture();
    logger.info('at start-up');
    withLogContext({ requestId: 'req-42' }, () => {
      logger.info({ event: 'login.failed' }, 'inside');
      logger.info('inside again');
    });
    const [outside, inside, again] = text().trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(outside).not.toHaveProperty('requestId');
    expect(inside).toMatchObject({ requestId: 'req-42', event: 'login.failed' });
    // One line's fields do not stick to the request's later lines.
    expect(again).toMatchObject({ requestId: 'req-42' });
    expect(again).not.toHaveProperty('event');
  });
});
