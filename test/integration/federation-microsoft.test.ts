import { parse } from 'node-html-parser';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMigratedTestDatabase, currentBackend, type TestDatabase } from '../support/backend.js';
import { startFakeEntra, type FakeEntra } from '../support/fake-entra.js';
import { PASSWORD, REDIRECT_URI } from '../support/fixtures.js';
import { openLoginPage } from '../support/flows.js';
import { discover } from '../support/harness.js';
import { freePort, startTestServer, type TestServer } from '../support/test-server.js';
import { UserAgent, type PageResponse } from '../support/user-agent.js';

const TENANT_A = '6f3c1a2b-4d5e-4f60-8a7b-9c0d1e2f3a4b';
const TENANT_B = '0a1b2c3d-4e5f-4a6b-8c7d-8e9f0a1b2c3d';

/**
 * Microsoft Entra ID through the multi-tenant `common` authority, against two fake tenants reached at the
 * real https://login.microsoftonline.com URLs: the discovery document publishes the `{tenantid}` issuer
 * template, so openid-client checks each token's `iss` against its own `tid`, and Latchkey's allow-list
 * decides which tenants may sign in.
 */
describe(`federation with Microsoft Entra ID, multi-tenant authority (${currentBackend()})`, () => {
  let database: TestDatabase;
  let server: TestServer;
  let entra: FakeEntra;
  let app: oidc.Configuration;

  beforeAll(async () => {
    database = await createMigratedTestDatabase();
    // The fakes must know Latchkey's callback before Latchkey starts, so the port is chosen first.
    const port = await freePort();
    const issuer = `http://127.0.0.1:${port}`;
    entra = await startFakeEntra({ tenants: [TENANT_A, TENANT_B], redirectUris: [`${issuer}/federation/callback/microsoft`] });
    server = await startTestServer({
      env: database.env,
      issuer,
      upstreamTransport: entra.transport,
      extraEnv: { PORT: String(port), MICROSOFT_CLIENT_ID: entra.clientId, MICROSOFT_CLIENT_SECRET: entra.clientSecret, MICROSOFT_TENANT: 'common', MICROSOFT_ALLOWED_TENANTS: TENANT_A },
    });
    app = await discover(server, await server.latchkey.services.clients.create({ name: 'App', redirectUris: [REDIRECT_URI], firstParty: true }));
  });
  afterAll(async () => {
    await entra?.stop();
    await server?.close();
    await database?.drop();
  });

  async function counts(): Promise<{ users: number; identities: number }> {
    const { rows } = await server.db.query<{ users: number; identities: number }>(
      'SELECT (SELECT count(*)::int FROM users) AS users, (SELECT count(*)::int FROM federated_identities) AS identities',
    );
    return rows[0]!;
  }

  /** App → Latchkey's sign-in page → the Microsoft button → fake Entra → Latchkey → back at the app. */
  async function signInWithMicrosoft(): Promise<{ step: PageResponse; verifier: string; back: URL }> {
    const agent = new UserAgent({ fetch: entra.fetch });
    const { page, verifier } = await openLoginPage(agent, app);
    const href = parse(page.html).querySelector('a#federation-microsoft')?.getAttribute('href');
    expect(href).toBeDefined();
    const step = await agent.navigate(new URL(href!, page.url).toString(), REDIRECT_URI);
    expect(step.location, step.html.slice(0, 300)).toBeTruthy();
    const back = new URL(step.location!);
    expect(`${back.origin}${back.pathname}`).toBe(REDIRECT_URI);
    return { step, verifier, back };
  }

  async function expectRefused(description: string): Promise<void> {
    const before = await counts();
    const { back } = await signInWithMicrosoft();
    expect(back.searchParams.get('error')).toBe('access_denied');
    expect(back.searchParams.get('error_description')).toBe(description);
    expect(await counts()).toEqual(before);
  }

  it('sends the browser to the real authority URL, whose discovery document carries the {tenantid} issuer template', async () => {
    const metadata = await (await entra.fetch('https://login.microsoftonline.com/common/v2.0/.well-known/openid-configuration')).json() as Record<string, unknown>;
    expect(metadata['issuer']).toBe('https://login.microsoftonline.com/{tenantid}/v2.0');
    const agent = new UserAgent({ fetch: entra.fetch });
    const { page } = await openLoginPage(agent, app);
    const href = parse(page.html).querySelector('a#federation-microsoft')?.getAttribute('href');
    const start = await agent.request(new URL(href!, page.url).toString());
    expect(start.location).toMatch(/^https:\/\/login\.microsoftonline\.com\/common\/oauth2\/v2\.0\/authorize\?/);
  });

  it('signs a user of an allowed tenant in: the app gets Latchkey\'s own sub, identities ["microsoft"] and amr fed, and the identity is keyed on the tenant\'s issuer', async () => {
    entra.next(TENANT_A, { account: 'entra-alice', claims: { name: 'Alice Allowed', preferred_username: 'alice@tenant-a.example', email: 'alice@tenant-a.example' } });
    const { back, verifier } = await signInWithMicrosoft();
    expect(back.searchParams.get('error_description'), server.logs.lines.filter((l) => l.includes('federation.failed')).join('\n')).toBeNull();
    const claims = (await oidc.authorizationCodeGrant(app, back, { pkceCodeVerifier: verifier })).claims()!;
    expect(claims).toMatchObject({ iss: server.issuer, amr: ['fed'], identities: ['microsoft'] });
    expect(claims.sub).not.toBe('entra-alice');
    const { rows } = await server.db.query<{ user_id: string; issuer: string; provider: string }>('SELECT user_id, issuer, provider FROM federated_identities WHERE subject = $1', ['entra-alice']);
    expect(rows).toEqual([{ user_id: claims.sub, issuer: entra.issuerOf(TENANT_A), provider: 'microsoft' }]);
    // Entra's e-mail is never taken as verified, so it stays on the identity and never holds the address.
    expect(await server.latchkey.services.users.findById(claims.sub)).toMatchObject({ email: null, email_verified: false, profile: { name: 'Alice Allowed' } });
    expect((await server.latchkey.services.identities.listForUser(claims.sub))[0]!.email).toBe('alice@tenant-a.example');

    entra.next(TENANT_A, { account: 'entra-alice', claims: { name: 'Alice Allowed' } });
    const again = await signInWithMicrosoft();
    expect((await oidc.authorizationCodeGrant(app, again.back, { pkceCodeVerifier: again.verifier })).claims()!.sub).toBe(claims.sub);
  });

  it('refuses a correctly signed token of a tenant that is not on the allow-list with access_denied, creating nobody', async () => {
    entra.next(TENANT_B, { account: 'entra-bob', claims: { name: 'Bob Outsider', email: 'bob@tenant-b.example' } });
    await expectRefused('Accounts of this Microsoft organisation are not allowed to sign in here.');
  });

  it('refuses a token whose tid names the allowed tenant while its iss is another tenant\'s, creating nobody', async () => {
    entra.next(TENANT_B, { account: 'entra-mallory', claims: { tid: TENANT_A, name: 'Mallory' } });
    await expectRefused('The answer from Microsoft could not be verified.');
  });

  it('accepts a token the fake re-signed with its claims unchanged (so the refusals below are the claims\' doing)', async () => {
    entra.next(TENANT_A, { account: 'entra-control', claims: { name: 'Control' } });
    entra.rewriteNextIdToken((claims) => ({ ...claims }));
    const { back, verifier } = await signInWithMicrosoft();
    expect((await oidc.authorizationCodeGrant(app, back, { pkceCodeVerifier: verifier })).claims()).toMatchObject({ identities: ['microsoft'] });
  });

  it('refuses a token whose iss names another tenant than its allowed tid, creating nobody', async () => {
    entra.next(TENANT_A, { account: 'entra-trudy', claims: { name: 'Trudy' } });
    entra.rewriteNextIdToken((claims) => ({ ...claims, iss: entra.issuerOf(TENANT_B) }));
    await expectRefused('The answer from Microsoft could not be verified.');
  });

  it('refuses a token of the allowed tenant whose iss does not follow the template (a v1.0 sts.windows.net issuer), creating nobody', async () => {
    entra.next(TENANT_A, { account: 'entra-victor', claims: { name: 'Victor' } });
    entra.rewriteNextIdToken((claims) => ({ ...claims, iss: `https://sts.windows.net/${TENANT_A}/` }));
    await expectRefused('The answer from Microsoft could not be verified.');
  });

  it('refuses a token without a tid, creating nobody', async () => {
    entra.next(TENANT_A, { account: 'entra-nobody', claims: { name: 'No Tenant' } });
    entra.rewriteNextIdToken(({ tid: _tid, ...claims }) => claims);
    await expectRefused('The answer from Microsoft could not be verified.');
  });

  it('never links by Entra\'s e-mail: a user whose address belongs to a verified local account becomes a separate user, and the local account gets no identity', async () => {
    const local = await server.latchkey.services.users.create({ email: 'erin@example.com', password: PASSWORD, emailVerified: true });
    entra.next(TENANT_A, { account: 'entra-erin', claims: { name: 'Erin Impostor', email: 'erin@example.com', preferred_username: 'erin@example.com' } });
    const before = await counts();
    const { back, verifier } = await signInWithMicrosoft();
    const claims = (await oidc.authorizationCodeGrant(app, back, { pkceCodeVerifier: verifier })).claims()!;
    expect(claims.sub).not.toBe(local.id);
    expect(claims.identities).toEqual(['microsoft']);
    expect(await counts()).toEqual({ users: before.users + 1, identities: before.identities + 1 });
    const { rows } = await server.db.query('SELECT 1 FROM federated_identities WHERE user_id = $1', [local.id]);
    expect(rows).toEqual([]);
    const created = (await server.latchkey.services.users.findById(claims.sub))!;
    expect(created.email_verified).toBe(false);
    expect(created.email).not.toBe('erin@example.com');
  });
});
