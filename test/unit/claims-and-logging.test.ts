import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { claimsForScopes } from '../../src/oidc/claims.js';
import { createLogger } from '../../src/lib/logger.js';

describe('claimsForScopes', () => {
  const claims = { sub: 'u1', groups: ['a'], email: 'e@x.io', email_verified: true, name: 'N', phone_number: '+1', 'custom:tier': 'gold' };
  it('releases claims by scope only', () => {
    expect(claimsForScopes(claims, new Set(['openid']))).toEqual({ sub: 'u1', groups: ['a'] });
    expect(claimsForScopes(claims, new Set(['openid', 'email']))).toEqual({ sub: 'u1', groups: ['a'], email: 'e@x.io', email_verified: true });
    expect(claimsForScopes(claims, new Set(['openid', 'profile']))).toEqual({ sub: 'u1', groups: ['a'], name: 'N', 'custom:tier': 'gold' });
  });
});

describe('logger', () => {
  it('redacts secrets by path', () => {
    let out = '';
    const sink = new Writable({ write(chunk: Buffer, _e, done) { out += chunk.toString(); done(); } });
    const logger = createLogger('info', sink);
    logger.info({ password: 'hunter2', client_secret: 'cs', req: { headers: { authorization: 'Bearer abc', cookie: 'c=1' } }, body: { refresh_token: 'rt', code: 'cd' } }, 'x');
    for (const secret of ['hunter2', '"cs"', 'Bearer abc', 'c=1', '"rt"', '"cd"']) expect(out).not.toContain(secret);
    expect(out).toContain('[redacted]');
  });
  it('keeps error codes and SQLSTATEs visible while redacting authorization codes where they travel', () => {
    let out = '';
    const sink = new Writable({ write(chunk: Buffer, _e, done) { out += chunk.toString(); done(); } });
    const logger = createLogger('info', sink);
    logger.info({ code: 'invalid_token', err: { code: '22021', message: 'invalid byte sequence' }, query: { code: 'auth-code-1' }, form: { code: 'auth-code-2' } }, 'x');
    expect(JSON.parse(out)).toMatchObject({ code: 'invalid_token', err: { code: '22021' } });
    for (const secret of ['auth-code-1', 'auth-code-2']) expect(out).not.toContain(secret);
  });
});
