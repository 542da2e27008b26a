import { parse } from 'node-html-parser';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMigratedTestDatabase, currentBackend, type TestDatabase } from '../support/backend.js';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.js';
import { PASSWORD, REDIRECT_URI } from '../support/fixtures.js';
import { openLoginPage } from '../support/flows.js';
import { discover } from '../support/harness.js';
import { freePort, startTestServer, type TestServer } from '../support/test-server.js';
import { UserAgent, type PageResponse } from '../support/user-agent.js';

/**
 * Google restricted to one Workspace domain (GOOGLE_HOSTED_DOMAINS), against a fake Google (GOOGLE_ISSUER)
 * that puts `hd` in its ID tokens as Google does: the `hd` claim of the validated token decides, and
 * Google's verified e-mail links to a local account that verified the same address.
 */
describe(`federation with Google restricted to a hosted domain (${currentBackend()})`, () => {
  let database: TestDatabase;
  let server: TestServer;
  let google: FakeUpstream;
  let app: oidc.Configuration;

  beforeAll(async () => {
    database = await createMigratedTestDatabase();
    // The fake must know Latchkey's callback before Latchkey starts, so the port is chosen first.
    const port = await freePort();
    const issuer = `http://127.0.0.1:${port}`;
    google = await startFakeUpstream({ name: 'google', redirectUris: [`${issuer}/federation/callback/google`], openidClaims: ['hd'] });
    server = await startTestServer({
      env: database.env,
      issuer,
      extraEnv: { PORT: String(port), GOOGLE_CLIENT_ID: google.clientId, GOOGLE_CLIENT_SECRET: google.clientSecret, GOOGLE_ISSUER: google.issuer, GOOGLE_HOSTED_DOMAINS: 'Example.com' },
    });
    app = await discover(server, await server.latchkey.services.clients.create({ name: 'App', redirectUris: [REDIRECT_URI], firstParty: true }));
  });
  afterAll(async () => {
    await google?.stop();
    await server?.close();
    await database?.drop();
  });

  async function counts(): Promise<{ users: number; identities: number }> {
    const { rows } = await server.db.query<{ users: number; identities: number }>(
      'SELECT (SELECT count(*)::int FROM users) AS users, (SELECT count(*)::int FROM federated_identities) AS identities',
    );
    return rows[0]!;
  }

  /** App → Latchkey's sign-in page → the Google button → fake Google → Latchkey → back at the app. */
  async function signInWithGoogle(): Promise<{ back: URL; verifier: string; upstream: PageResponse }> {
    const agent = new UserAgent();
    const { page, verifier } = await openLoginPage(agent, app);
    const href = parse(page.html).querySelector('a#federation-google')?.getAttribute('href');
    expect(href).toBeDefined();
    const upstream = await agent.request(new URL(href!, page.url).toString());
    const step = await agent.follow(upstream, REDIRECT_URI);
    expect(step.location, step.html.slice(0, 300)).toBeTruthy();
    const back = new URL(step.location!);
    expect(`${back.origin}${back.pathname}`).toBe(REDIRECT_URI);
    return { back, verifier, upstream };
  }

  async function expectRefused(description: string): Promise<void> {
    const before = await counts();
    const { back } = await signInWithGoogle();
    expect(back.searchParams.get('error')).toBe('access_denied');
    expect(back.searchParams.get('error_description')).toBe(description);
    expect(await counts()).toEqual(before);
  }

  it('signs in an account of the allowed domain, sending Google the domain as its hd hint', async () => {
    google.next({ account: 'google-ada', claims: { hd: 'example.com', email: 'ada@example.com', email_verified: true, name: 'Ada' } });
    const { back, verifier, upstream } = await signInWithGoogle();
    expect(new URL(upstream.location!).searchParams.get('hd')).toBe('example.com');
    expect(back.searchParams.get('error_description')).toBeNull();
    const claims = (await oidc.authorizationCodeGrant(app, back, { pkceCodeVerifier: verifier })).claims()!;
    expect(claims).toMatchObject({ amr: ['fed'], identities: ['google'], email: 'ada@example.com' });
    expect(await server.latchkey.services.users.findById(claims.sub)).toMatchObject({ email: 'ada@example.com', email_verified: true });
  });

  it('refuses an account of another Workspace domain with access_denied, creating nobody', async () => {
    google.next({ account: 'google-eve', claims: { hd: 'other.example', email: 'eve@other.example', email_verified: true } });
    await expectRefused('The Google Workspace domain other.example is not allowed to sign in here.');
  });

  it('refuses a personal account (no hd claim) with access_denied, creating nobody', async () => {
    google.next({ account: 'google-pat', claims: { email: 'pat@gmail.example', email_verified: true } });
    await expectRefused('This Google account does not belong to an allowed organisation (it has no hosted domain).');
  });

  it('refuses an account of another domain even when its e-mail is a verified local account\'s, linking nothing', async () => {
    const local = await server.latchkey.services.users.create({ email: 'owner@other.example', password: PASSWORD, emailVerified: true });
    google.next({ account: 'google-owner', claims: { hd: 'other.example', email: 'owner@other.example', email_verified: true } });
    await expectRefused('The Google Workspace domain other.example is not allowed to sign in here.');
    expect((await server.db.query('SELECT 1 FROM federated_identities WHERE user_id = $1', [local.id])).rows).toEqual([]);
  });

  it('links a verified Google e-mail to the local account that verified the same address', async () => {
    const local = await server.latchkey.services.users.create({ email: 'grace@example.com', password: PASSWORD, emailVerified: true });
    const before = await counts();
    google.next({ account: 'google-grace', claims: { hd: 'example.com', email: 'Grace@example.com', email_verified: true, name: 'Grace' } });
    const { back, verifier } = await signInWithGoogle();
    expect((await oidc.authorizationCodeGrant(app, back, { pkceCodeVerifier: verifier })).claims()).toMatchObject({ sub: local.id, identities: ['google'] });
    expect(await counts()).toEqual({ users: before.users, identities: before.identities + 1 });
    const { rows } = await server.db.query<{ user_id: string; provider: string }>('SELECT user_id, provider FROM federated_identities WHERE subject = $1', ['google-grace']);
    expect(rows).toEqual([{ user_id: local.id, provider: 'google' }]);
  });

  it('does not link a Google e-mail that Google has not verified: a separate user is created', async () => {
    const local = await server.latchkey.services.users.create({ email: 'hopper@example.com', password: PASSWORD, emailVerified: true });
    google.next({ account: 'google-hopper', claims: { hd: 'example.com', email: 'hopper@example.com', email_verified: false } });
    const { back, verifier } = await signInWithGoogle();
    const claims = (await oidc.authorizationCodeGrant(app, back, { pkceCodeVerifier: verifier })).claims()!;
    expect(claims.sub).not.toBe(local.id);
    expect((await server.db.query('SELECT 1 FROM federated_identities WHERE user_id = $1', [local.id])).rows).toEqual([]);
  });
});
