import { AssumeRoleWithWebIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { importJWK, SignJWT } from 'jose';
import * as oidc from 'openid-client';
import { beforeAll, describe, expect, it } from 'vitest';
import { currentBackend } from '../support/backend.js';
import { PASSWORD, REDIRECT_URI } from '../support/fixtures.js';
import { openLoginPage, signInToCallback } from '../support/flows.js';
import { discover, useTestServer } from '../support/harness.js';
import { UserAgent } from '../support/user-agent.js';

const POLICY = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::home/${sub}/*' }] });

async function seedAndSignIn(server: ReturnType<typeof useTestServer>['server']): Promise<string> {
  const { services } = server.latchkey;
  await services.roles.createRole({ name: 'reader', policy: POLICY });
  await services.roles.setDefaultRole('reader');
  await services.users.create({ username: 'lena', password: PASSWORD, emailVerified: true });
  const client = await services.clients.create({ name: 'App', redirectUris: [REDIRECT_URI], scope: 'openid sts' });
  const config = await discover(server, client);
  const agent = new UserAgent();
  const { page, verifier } = await openLoginPage(agent, config, { scope: 'openid sts' });
  return (await oidc.authorizationCodeGrant(config, new URL(await signInToCallback(agent, page, 'lena', PASSWORD)), { pkceCodeVerifier: verifier })).access_token;
}

const exchange = (issuer: string, token: string) => fetch(`${issuer}/sts/credentials`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });

describe(`identity pool without an object store (${currentBackend()})`, () => {
  const ctx = useTestServer();
  let token: string;
  beforeAll(async () => { token = await seedAndSignIn(ctx.server); });

  it('answers 503 with a message naming the missing setting', async () => {
    const response = await exchange(ctx.server.issuer, token);
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ error: 'sts_unavailable', error_description: expect.stringContaining('S3_ENDPOINT') });
  });

  const post = (body: string, contentType: string) => fetch(`${ctx.server.issuer}/sts/credentials`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': contentType }, body });
  const FORM = 'application/x-www-form-urlencoded';

  it('refuses a /sts/credentials form that repeats a field (400 invalid_request), before anything else', async () => {
    for (const body of ['role=reader&role=admin', 'duration_seconds=900&duration_seconds=3600']) {
      const response = await post(body, FORM);
      expect(response.status, body).toBe(400);
      expect(await response.json()).toMatchObject({ error: 'invalid_request', error_description: expect.stringContaining('sent more than once') });
    }
    // Control: the same fields once each get past validation (to the missing object store).
    expect((await post('role=reader&duration_seconds=900', FORM)).status).toBe(503);
  });

  it('accepts duration_seconds only as an integer: "1e3", "900.5", " 900", "0x384" and 900.5 are 400', async () => {
    for (const value of ['1e3', '900.5', ' 900', '900 ', '0x384', '+900', '']) {
      const response = await post(`duration_seconds=${encodeURIComponent(value)}`, FORM);
      expect({ value, status: response.status, error: (await response.json() as { error: string }).error }).toEqual({ value, status: 400, error: 'invalid_request' });
    }
    for (const value of [900.5, '1e3', true, null]) {
      const response = await post(JSON.stringify({ duration_seconds: value }), 'application/json');
      expect({ value, status: response.status }).toEqual({ value, status: 400 });
    }
    expect((await post('duration_seconds=900', FORM)).status).toBe(503);
    expect((await post(JSON.stringify({ duration_seconds: 900 }), 'application/json')).status).toBe(503);
  });

  it('answers an expired web identity token on /sts with AWS\'s ExpiredTokenException (HTTP 400)', async () => {
    // An access token that is genuine in every way but its age: signed with the server's own key.
    const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
    const [key] = ctx.server.latchkey.holder.keySet.privateJwks;
    const now = Math.floor(Date.now() / 1000);
    const expired = await new SignJWT({ ...claims, iat: now - 4000, exp: now - 60 })
      .setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', kid: key!.kid! }).sign(await importJWK(key!, 'RS256'));
    const form = (webIdentityToken: string) => new URLSearchParams({ Action: 'AssumeRoleWithWebIdentity', Version: '2011-06-15', RoleArn: 'arn:aws:iam::1:role/reader', RoleSessionName: 'lena', WebIdentityToken: webIdentityToken }).toString();
    const response = await fetch(`${ctx.server.issuer}/sts`, { method: 'POST', headers: { 'content-type': FORM }, body: form(expired) });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('<Code>ExpiredTokenException</Code>');
    const sts = new STSClient({ endpoint: `${ctx.server.issuer}/sts`, region: 'us-east-1', maxAttempts: 1 });
    await expect(sts.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: 'arn:aws:iam::1:role/reader', RoleSessionName: 'lena', WebIdentityToken: expired })))
      .rejects.toMatchObject({ name: 'ExpiredTokenException' });
    // A token that is invalid for another reason stays InvalidIdentityToken.
    const tampered = `${expired.slice(0, -4)}AAAA`;
    const invalid = await fetch(`${ctx.server.issuer}/sts`, { method: 'POST', headers: { 'content-type': FORM }, body: form(tampered) });
    expect(invalid.status).toBe(400);
    expect(await invalid.text()).toContain('<Code>InvalidIdentityToken</Code>');
  });
});

describe(`identity pool with an unreachable object store (${currentBackend()})`, () => {
  const ctx = useTestServer({ extraEnv: { S3_ENDPOINT: 'http://127.0.0.1:9', S3_STS_ACCESS_KEY: 'latchkey-sts', S3_STS_SECRET_KEY: 'not-reachable-anyway', LATCHKEY_STS_RATE_LIMIT: '2' } });
  let token: string;
  beforeAll(async () => {
    token = await seedAndSignIn(ctx.server);
  });

  it('answers 503 while the store is unreachable, records nothing, and does not spend the user\'s quota', async () => {
    // The limit is 2 an hour; failures are refunded, so five attempts all reach the (dead) store.
    for (let i = 0; i < 5; i += 1) {
      const response = await exchange(ctx.server.issuer, token);
      expect(response.status).toBe(503);
      expect((await response.json() as { error: string }).error).toBe('sts_unavailable');
    }
    expect((await ctx.server.db.query('SELECT count(*)::int AS n FROM credential_issuances')).rows[0]).toEqual({ n: 0 });

    const aws = await fetch(`${ctx.server.issuer}/sts`, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ Action: 'AssumeRoleWithWebIdentity', Version: '2011-06-15', RoleArn: 'arn:aws:iam::1:role/reader', RoleSessionName: 'lena', WebIdentityToken: token }).toString(),
    });
    expect(aws.status).toBe(503);
    expect(await aws.text()).toContain('<Code>ServiceUnavailable</Code>');
  });
});
