import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createLogger, REDACTED_PATHS } from '../../src/lib/logger.js';
import { compileRedaction } from '../../src/lib/log-redaction.js';

/** The lines a logger writes, parsed, without the time (which differs between two loggers). */
function sink() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _e, done) {
      const line = JSON.parse(chunk.toString()) as Record<string, unknown>;
      delete line.time;
      lines.push(line);
      done();
    },
  });
  return { stream, lines };
}

class UpstreamError extends Error {
  readonly config: unknown;
  readonly code: string;
  constructor(message: string, config: unknown, code: string) {
    super(message, { cause: new TypeError('socket hang up') });
    this.config = config;
    this.code = code;
  }
}

/** Shapes Latchkey logs, and shapes a careless line could: secrets at each depth, in arrays, under errors and headers. */
const LINES: Record<string, unknown>[] = [
  { event: 'login.succeeded', userId: 'u-1', requestId: 'r-1' },
  { password: 'p0', state: 's0', nonce: 'n0', code: 'invalid_token', token: 't0' },
  { form: { code: 'c1', password: 'p1', state: 's1', nonce: 'n1', grant_type: 'refresh_token', refresh_token: 'rt1' }, query: { code: 'c2', id_token_hint: 'h2' } },
  { req: { headers: { authorization: 'Bearer a', Cookie: 'c=1', 'x-amz-security-token': 'st', accept: 'json' }, body: { code: 'c3', nested: { state: 's3' } } } },
  { err: new UpstreamError('upstream refused', { headers: { authorization: 'Bearer deep', 'set-cookie': ['sid=1'] }, url: 'https://idp' }, 'E_UP') },
  { err: { code: '22021', message: 'invalid byte sequence' }, detail: 'x' },
  { config: { secrets: ['s-1'], federation: { google: { clientSecret: 'fcs', clientId: 'g' } }, s3: { secretKey: 'sk', endpoint: 'http://m' } } },
  { settings: { federation: { apple: { privateKey: 'pk', teamId: 't' } } }, outcome: [{ recoveryCodes: ['rc'] }, { password: 'p4' }] },
  { list: [{ headers: { authorization: 'x' } }, 'plain', null], deep: { a: { b: { password: 'too-deep-is-kept' } } } },
  { payload: { sub: 'u' }, nothing: null, missing: undefined, number: 4, flag: false, password: null },
];

describe('compiled log redaction', () => {
  it('writes what pino\'s own redaction of the same paths writes, for every shape', () => {
    const ours = sink();
    const theirs = sink();
    const logger = createLogger('info', ours.stream);
    const reference = pino({ level: 'info', base: { service: 'latchkey' }, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } }, theirs.stream);
    for (const line of LINES) {
      logger.info(line, 'line');
      reference.info(line, 'line');
    }
    expect(ours.lines).toHaveLength(LINES.length);
    expect(ours.lines).toEqual(theirs.lines);
    const text = JSON.stringify(ours.lines);
    for (const secret of ['"p0"', '"rt1"', 'Bearer', 'sid=1', '"fcs"', '"pk"', '"rc"', '"p4"', '"c1"']) expect(text).not.toContain(secret);
    // Beyond the depth its paths name, a value is kept (pino does the same): `state` is redacted two levels down, not three.
    expect(text).toContain('too-deep-is-kept');
    expect(text).toContain('"s3"');
    expect(text).toContain('socket hang up');
  });

  it('redacts a child logger\'s bindings as its lines, and a grandchild\'s', () => {
    const ours = sink();
    const child = createLogger('info', ours.stream).child({ client_secret: 'cs', component: 'jobs' });
    child.info({ headers: { cookie: 'c' } }, 'x');
    child.child({ form: { password: 'p' }, job: 'cleanup' }).info('y');
    expect(ours.lines[0]).toMatchObject({ client_secret: '[redacted]', component: 'jobs', headers: { cookie: '[redacted]' } });
    expect(ours.lines[1]).toMatchObject({ client_secret: '[redacted]', component: 'jobs', form: { password: '[redacted]' }, job: 'cleanup', msg: 'y' });
  });

  it('leaves the logged objects as they were', () => {
    const line = { form: { password: 'p', keep: 1 }, list: [{ token: 't' }] };
    const before = structuredClone(line);
    const redacted = compileRedaction(REDACTED_PATHS, '[redacted]')(line);
    expect(redacted).toEqual({ form: { password: '[redacted]', keep: 1 }, list: [{ token: '[redacted]' }] });
    expect(line).toEqual(before);
  });

  it('hands back the line itself when nothing in it is secret', () => {
    const line = { event: 'credentials.issued', userId: 'u', role: 'reader', nested: { fine: true } };
    expect(compileRedaction(REDACTED_PATHS, '[redacted]')(line)).toBe(line);
  });
});
