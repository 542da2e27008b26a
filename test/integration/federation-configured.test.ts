import { parse } from 'node-html-parser';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMigratedTestDatabase, currentBackend, type TestDatabase } from '../support/backend.js';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.js';
import { REDIRECT_URI } from '../support/fixtures.js';
import { openLoginPage } from '../support/flows.js';
import { discover } from '../support/harness.js';
import { freePort, startTestServer, type TestServer } from '../support/test-server.js';
import { UserAgent } from '../support/user-agent.js';

/** An upstream configured by the environment (GOOGLE_*, with GOOGLE_ISSUER pointing at a fake). */
describe(`federation with an environment-configured upstream (${currentBackend()})`, () => {
  let database: TestDatabase;
  let server: TestServer;
  let fake: FakeUpstream;
  let app: oidc.Configuration;

  beforeAll(async () => {
    database = await createMigratedTestDatabase();
    // The fake must know Latchkey's callback before Latchkey starts, so the port is chosen first.
    const port = await freePort();
    const issuer = `http://127.0.0.1:${port}`;
    fake = await startFakeUpstream({ name: 'google', redirectUris: [`${issuer}/federation/callback/google`] });
    server = await startTestServer({ env: database.env, issuer, extraEnv: { PORT: String(port), GOOGLE_CLIENT_ID: fake.clientId, GOOGLE_CLIENT_SECRET: fake.clientSecret, GOOGLE_ISSUER: fake.issuer } });
    app = await discover(server, await server.latchkey.services.clients.create({ name: 'App', redirectUris: [REDIRECT_URI], firstParty: true }));
  });
  afterAll(async () => {
    await fake?.stop();
    await server?.close();
    await database?.drop();
  });

  it('shows the configured provider\'s button and signs in through it, the app receiving identities ["google"]', async () => {
    fake.next({ account: 'google-1', claims: { email: 'gina@gmail.com', email_verified: true, name: 'Gina' } });
    const agent = new UserAgent();
    const { page, verifier } = await openLoginPage(agent, app);
    const button = parse(page.html).querySelector('a#federation-google');
    expect(button?.text.trim()).toBe('Google');
    expect(button?.getAttribute('aria-label')).toBe('Sign in with Google');
    const step = await agent.navigate(new URL(button!.getAttribute('href')!, page.url).toString(), REDIRECT_URI);
    expect(step.location).toMatch(/\?code=/);
    const claims = (await oidc.authorizationCodeGrant(app, new URL(step.location!), { pkceCodeVerifier: verifier })).claims()!;
    expect(claims).toMatchObject({ amr: ['fed'], identities: ['google'], email: 'gina@gmail.com' });
  });

  it('refuses to add a stored provider under a name the environment configures', async () => {
    await expect(server.latchkey.services.providers.add({ name: 'google', issuer: fake.issuer, clientId: 'x' })).rejects.toThrow('invalid provider');
  });
});
