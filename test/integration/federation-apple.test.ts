import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { parse } from 'node-html-parser';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMigratedTestDatabase, currentBackend, type TestDatabase } from '../support/backend.js';
import { startFakeApple, type AppleAccount, type FakeApple } from '../support/fake-apple.js';
import { REDIRECT_URI } from '../support/fixtures.js';
import { openLoginPage } from '../support/flows.js';
import { discover } from '../support/harness.js';
import { startMinio, type MinioHarness } from '../support/minio.js';
import { freePort, startTestServer, type TestServer } from '../support/test-server.js';
import { findForm, UserAgent } from '../support/user-agent.js';

const TEAM_ID = 'TEAM123456';
const KEY_ID = 'KEY1234567';
const SCOPE = 'openid email profile sts';
/** Each person's own folder in the `home` bucket, named by their `sub` in Latchkey. */
const HOME_POLICY = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject'], Resource: ['arn:aws:s3:::home/${sub}/*'] }] };

const jane: AppleAccount = {
  account: '001234.5f3c2a9e8b7d4c6f.0921',
  email: 'x7k2p9q4rt@privaterelay.appleid.com',
  emailVerified: 'true',
  privateEmail: 'true',
  name: { firstName: 'Jane', lastName: 'Appleseed' },
};
const ben: AppleAccount = {
  account: '001234.a1b2c3d4e5f60718.1130',
  email: 'ben@example.net',
  emailVerified: 'false',
  privateEmail: 'false',
  name: { firstName: 'Ben', lastName: 'Orchard' },
};

function appleKey(): { pem: string; publicKey: KeyObject } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { pem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), publicKey };
}

/** Latchkey configured for Apple through the APPLE_* variables, on a port chosen before the fake started. */
function appleEnv(port: number, fake: FakeApple, pem: string): Record<string, string> {
  return { PORT: String(port), APPLE_CLIENT_ID: fake.clientId, APPLE_TEAM_ID: TEAM_ID, APPLE_KEY_ID: KEY_ID, APPLE_PRIVATE_KEY: pem, APPLE_ISSUER: fake.issuer };
}

interface AppleSignIn {
  /** The fields of the fake's form_post page, as the browser posts them. */
  posted: URLSearchParams;
  /** Where Latchkey's callback sent the browser after the POST. */
  afterPost: string | null;
  /** Where Latchkey finally sent the browser: the app's redirect URI with a code or an error. */
  landing: string;
  verifier: string;
}

/**
 * The app sends the browser to Latchkey, the person presses the Apple button, Apple answers with its
 * auto-submitting form_post page, and the browser posts it to Latchkey. That POST is cross-site (Apple's
 * page to Latchkey), so it carries none of Latchkey's SameSite=Lax cookies: it is sent with none at all.
 */
async function signInWithApple(server: TestServer, app: oidc.Configuration, scope = SCOPE): Promise<AppleSignIn> {
  const agent = new UserAgent();
  const { page, verifier } = await openLoginPage(agent, app, { scope });
  const button = parse(page.html).querySelector('a#federation-apple');
  expect(button?.text.trim()).toBe('Apple');
  const formPost = await agent.navigate(new URL(button!.getAttribute('href')!, page.url).toString(), REDIRECT_URI);
  const form = findForm(formPost.html, 'form');
  expect(form.getAttribute('method')).toBe('post');
  expect(form.getAttribute('action')).toBe(`${server.issuer}/federation/callback/apple`);
  const posted = new URLSearchParams();
  for (const input of form.querySelectorAll('input')) posted.set(input.getAttribute('name')!, input.getAttribute('value') ?? '');
  const post = await new UserAgent().request(form.getAttribute('action')!, { method: 'POST', body: posted });
  expect(post.status).toBe(303);
  const landing = await agent.navigate(post.location!, REDIRECT_URI);
  return { posted, afterPost: post.location, landing: landing.location ?? '', verifier };
}

describe(`Sign in with Apple (${currentBackend()})`, () => {
  let database: TestDatabase;
  let minio: MinioHarness;
  let server: TestServer;
  let fake: FakeApple;
  let app: oidc.Configuration;
  const key = appleKey();
  // A second Latchkey signing its client secrets with a key Apple does not know.
  const wrongKey = appleKey();
  let wrongPort: number;

  beforeAll(async () => {
    database = await createMigratedTestDatabase();
    minio = await startMinio();
    // The fake must know Latchkey's callback before Latchkey starts, so the ports are chosen first.
    const port = await freePort();
    wrongPort = await freePort();
    const issuer = `http://127.0.0.1:${port}`;
    fake = await startFakeApple({
      redirectUris: [`${issuer}/federation/callback/apple`, `http://127.0.0.1:${wrongPort}/federation/callback/apple`],
      teamId: TEAM_ID, keyId: KEY_ID, publicKey: key.publicKey,
    });
    server = await startTestServer({
      env: database.env, issuer,
      extraEnv: { ...appleEnv(port, fake, key.pem), ...minio.latchkeyEnv },
    });
    app = await discover(server, await server.latchkey.services.clients.create({ name: 'App', redirectUris: [REDIRECT_URI], firstParty: true, scope: SCOPE }));
  }, 180_000);
  afterAll(async () => {
    await fake?.stop();
    await server?.close();
    await minio?.stop();
    await database?.drop();
  });

  async function identityOf(appleSub: string) {
    const { rows } = await server.db.query<{ user_id: string; claims: Record<string, unknown> }>('SELECT user_id, claims FROM federated_identities WHERE provider = $1 AND subject = $2', ['apple', appleSub]);
    return rows[0];
  }

  it('answers by form_post POST with the first-login user field, with a client secret the fake verified, and the app gets the name and the verified relay address', async () => {
    const [checked, answered] = [fake.secretChecks.length, fake.tokenAnswers.length];
    fake.next(jane);
    const signIn = await signInWithApple(server, app);
    expect(signIn.posted.get('code')).toBeTruthy();
    expect(JSON.parse(signIn.posted.get('user')!)).toEqual({ name: { firstName: 'Jane', lastName: 'Appleseed' }, email: jane.email });
    expect(signIn.afterPost).toMatch(new RegExp(`^${server.issuer}/interaction/[^/]+/federated/apple$`));
    expect(signIn.landing).toMatch(/\?code=/);
    const claims = (await oidc.authorizationCodeGrant(app, new URL(signIn.landing), { pkceCodeVerifier: signIn.verifier })).claims()!;
    expect(claims).toMatchObject({ amr: ['fed'], identities: ['apple'], email: jane.email, email_verified: true, given_name: 'Jane', family_name: 'Appleseed' });
    expect(claims.sub).not.toBe(jane.account);

    // The one token request presented Apple's client secret, and the fake verified it: short-lived.
    expect(fake.secretChecks.slice(checked)).toHaveLength(1);
    const [check] = fake.secretChecks.slice(checked);
    expect(check!.accepted).toBe(true);
    expect(check!.lifetime).toBeGreaterThan(0);
    expect(check!.lifetime).toBeLessThanOrEqual(3600);
    expect(fake.tokenAnswers.slice(answered)).toEqual([{ status: 200 }]);

    const user = await server.latchkey.services.users.findById(claims.sub);
    expect(user).toMatchObject({ email: jane.email, email_verified: true, profile: { given_name: 'Jane', family_name: 'Appleseed' } });
    // Apple's string booleans are stored as booleans.
    const identity = await identityOf(jane.account);
    expect(identity).toMatchObject({ user_id: claims.sub, claims: { sub: jane.account, email: jane.email, email_verified: true } });
    expect(Object.values(identity!.claims).filter((value) => value === 'true' || value === 'false')).toEqual([]);
  });

  it('keeps the first sign-in\'s name: a later sign-in without the user field, and one after the person reset Apple\'s sharing with another name, change nothing', async () => {
    const userId = (await identityOf(jane.account))!.user_id;
    fake.next(jane);
    const again = await signInWithApple(server, app);
    expect(again.posted.has('user')).toBe(false);
    expect((await oidc.authorizationCodeGrant(app, new URL(again.landing), { pkceCodeVerifier: again.verifier })).claims()).toMatchObject({ sub: userId, given_name: 'Jane' });

    fake.forget(jane.account);
    fake.next({ ...jane, name: { firstName: 'Janet', lastName: 'Other' } });
    const reset = await signInWithApple(server, app);
    expect(JSON.parse(reset.posted.get('user')!)).toMatchObject({ name: { firstName: 'Janet', lastName: 'Other' } });
    const claims = (await oidc.authorizationCodeGrant(app, new URL(reset.landing), { pkceCodeVerifier: reset.verifier })).claims()!;
    expect(claims).toMatchObject({ sub: userId, given_name: 'Jane', family_name: 'Appleseed' });
    expect((await server.latchkey.services.users.findById(userId))!.profile).toMatchObject({ given_name: 'Jane', family_name: 'Appleseed' });
  });

  it('counts email_verified "false" as unverified: the user gets no address (the identity keeps it) and the identity stores the boolean false', async () => {
    fake.next(ben);
    const signIn = await signInWithApple(server, app);
    const claims = (await oidc.authorizationCodeGrant(app, new URL(signIn.landing), { pkceCodeVerifier: signIn.verifier })).claims()!;
    // An unverified upstream address stays on the identity only: on the user it would hold the address.
    expect(claims).toMatchObject({ given_name: 'Ben' });
    expect(claims.email).toBeUndefined();
    expect(await server.latchkey.services.users.findById(claims.sub)).toMatchObject({ email: null, email_verified: false });
    expect((await identityOf(ben.account))!.claims.email).toBe(ben.email);
    const identity = await identityOf(ben.account);
    expect(identity!.claims.email_verified).toBe(false);
    expect(Object.values(identity!.claims).filter((value) => value === 'true' || value === 'false')).toEqual([]);
  });

  it('ends a sign-in cancelled at Apple (its form_post error user_cancelled_authorize) with access_denied saying so for the app, and nobody created', async () => {
    const users = (await server.db.query('SELECT count(*)::int AS n FROM users')).rows;
    fake.next({ deny: true });
    const signIn = await signInWithApple(server, app);
    expect(signIn.posted.get('error')).toBe('user_cancelled_authorize');
    expect(signIn.posted.has('code')).toBe(false);
    const answer = new URL(signIn.landing).searchParams;
    expect([answer.get('error'), answer.get('error_description')]).toEqual(['access_denied', 'The sign-in with Apple was cancelled.']);
    expect((await server.db.query('SELECT count(*)::int AS n FROM users')).rows).toEqual(users);
  });

  it('refuses a Latchkey whose client secret is signed with a key Apple does not know: the fake answers invalid_client, the app gets access_denied, nobody is created', async () => {
    const otherDatabase = await createMigratedTestDatabase();
    const other = await startTestServer({ env: otherDatabase.env, issuer: `http://127.0.0.1:${wrongPort}`, extraEnv: appleEnv(wrongPort, fake, wrongKey.pem) });
    try {
      const otherApp = await discover(other, await other.latchkey.services.clients.create({ name: 'App', redirectUris: [REDIRECT_URI], firstParty: true, scope: 'openid email profile' }));
      const [checked, answered] = [fake.secretChecks.length, fake.tokenAnswers.length];
      fake.next({ ...jane, account: '001234.ffffffffffffffff.0001' });
      const signIn = await signInWithApple(other, otherApp, 'openid email profile');
      expect(signIn.posted.get('code')).toBeTruthy();
      expect(fake.secretChecks.slice(checked)).toEqual([{ accepted: false, reason: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' }]);
      expect(fake.tokenAnswers.slice(answered)).toEqual([{ status: 401, error: 'invalid_client' }]);
      const answer = new URL(signIn.landing);
      expect(answer.searchParams.get('error')).toBe('access_denied');
      expect(answer.searchParams.get('error_description')).toBe('The answer from Apple could not be verified.');
      expect((await other.db.query('SELECT count(*)::int AS n FROM users')).rows).toEqual([{ n: 0 }]);
      expect((await other.db.query('SELECT count(*)::int AS n FROM federated_identities')).rows).toEqual([{ n: 0 }]);
    } finally {
      await other.close();
      await otherDatabase.drop();
    }
  });

  it('gives the Apple user storage credentials for the home folder named by Latchkey\'s sub, not Apple\'s', async () => {
    await server.latchkey.services.roles.createRole({ name: 'home-owner', policy: JSON.stringify(HOME_POLICY), maxDurationSeconds: 3600 });
    await server.latchkey.services.roles.setDefaultRole('home-owner');
    fake.next(jane);
    const signIn = await signInWithApple(server, app);
    const tokens = await oidc.authorizationCodeGrant(app, new URL(signIn.landing), { pkceCodeVerifier: signIn.verifier });
    const sub = tokens.claims()!.sub;
    expect(sub).toBe((await identityOf(jane.account))!.user_id);

    const response = await fetch(`${server.issuer}/sts/credentials`, { method: 'POST', headers: { authorization: `Bearer ${tokens.access_token}` } });
    const credentials = await response.json() as { AccessKeyId: string; SecretAccessKey: string; SessionToken: string; Role: string };
    expect(response.status, JSON.stringify(credentials)).toBe(200);
    expect(credentials.Role).toBe('home-owner');
    const s3 = minio.s3Client({ accessKeyId: credentials.AccessKeyId, secretAccessKey: credentials.SecretAccessKey, sessionToken: credentials.SessionToken });
    const put = (key: string) => s3.send(new PutObjectCommand({ Bucket: 'home', Key: key, Body: 'hello' })).then(() => 'ok', (error: { name: string }) => error.name);
    expect(await put(`${sub}/notes.txt`)).toBe('ok');
    expect(await put(`${jane.account}/notes.txt`)).toBe('AccessDenied');
  });
});
