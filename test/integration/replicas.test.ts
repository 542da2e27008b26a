import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, currentBackend, type TestDatabase } from '../support/backend.js';
import { PASSWORD, REDIRECT_URI, seedDirectory } from '../support/fixtures.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { UserAgent } from '../support/user-agent.js';

/**
 * No state in memory: a login started on replica A finishes on replica B, on one Postgres. The embedded
 * database takes exactly one server; a second one on the same data directory must refuse to start.
 */
describe(`two replicas on one database (${currentBackend()})`, () => {
  let database: TestDatabase;
  let a: TestServer;
  let b: TestServer;

  beforeAll(async () => {
    database = await createTestDatabase();
    a = await startTestServer({ env: database.env });
    if (currentBackend() === 'postgres') b = await startTestServer({ env: database.env, issuer: a.issuer });
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
    await database?.drop();
  });

  if (currentBackend() === 'embedded') {
    it('refuses a second server on the same embedded data directory, naming the way to scale out', async () => {
      await expect(startTestServer({ env: database.env, issuer: a.issuer })).rejects.toThrow(/already serves .*use DATABASE_URL/);
      // The first server is unaffected.
      expect((await fetch(`${a.url}/readyz`)).status).toBe(200);
    });
    return;
  }

  it('starts the authorization on A, signs in and consents on B, redeems the code on B', async () => {
    const { client } = await seedDirectory(a.latchkey.services);
    const onA = await oidc.discovery(new URL(a.issuer), client.client_id, client.client_secret, undefined, { execute: [oidc.allowInsecureRequests] });
    const verifier = oidc.randomPKCECodeVerifier();
    const authorize = oidc.buildAuthorizationUrl(onA, {
      redirect_uri: REDIRECT_URI, scope: 'openid email', state: 'xyz',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
    });
    const agent = new UserAgent();
    const toInteraction = await agent.request(authorize.toString());
    expect(toInteraction.status).toBe(303);

    // Every later step goes to B (same issuer, other process, shared database).
    const onB = (url: string) => url.replace(a.url, b.url);
    const login = await agent.request(onB(toInteraction.location!));
    expect(login.html).toContain('id="login-form"');
    let step = await agent.submit({ ...login, url: onB(login.url) }, 'form#login-form', { username: 'alice@example.com', password: PASSWORD });
    for (let i = 0; i < 10 && step.location && !step.location.startsWith(REDIRECT_URI); i += 1) {
      step = await agent.request(onB(step.location));
      if (step.html.includes('id="consent-form"')) step = await agent.submit({ ...step, url: onB(step.url) }, 'form#consent-form');
    }
    expect(step.location).toMatch(/^http:\/\/localhost:8976\/callback\?code=/);

    const viaB = new oidc.Configuration({ ...(onA.serverMetadata() as unknown as oidc.ServerMetadata), token_endpoint: `${b.url}/token` }, client.client_id, client.client_secret);
    oidc.allowInsecureRequests(viaB);
    expect(viaB.serverMetadata().token_endpoint).toBe(`${b.url}/token`);
    const tokens = await oidc.authorizationCodeGrant(viaB, new URL(step.location!), { pkceCodeVerifier: verifier, expectedState: 'xyz' });
    expect(tokens.claims()?.email).toBe('alice@example.com');
  });
});
