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
