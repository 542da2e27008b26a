import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMinioStsClient } from '../../src/identity-pool/minio-sts-client.js';
import { createMigratedTestDatabase, currentBackend, type TestDatabase } from '../support/backend.js';
import { PASSWORD, REDIRECT_URI } from '../support/fixtures.js';
import { discover } from '../support/harness.js';
import { startMinio, type MinioHarness } from '../support/minio.js';
import { exchangeToken, putAsRoot, readObject, type CredentialsBody } from '../support/storage.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { UserAgent } from '../support/user-agent.js';

const READER = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::free/*' }] });

interface JobRow { scope: string; reason: string; attempts: number; last_error: string | null; done: boolean }

/**
 * Storage credentials are tagged with the grant whose access token bought them. RP-initiated logout revokes
 * the credentials of the grants it ends and no others; signing the user out everywhere revokes them all.
 */
describe(`which storage credentials a sign-out revokes (${currentBackend()})`, () => {
  let database: TestDatabase;
  let minio: MinioHarness;
  let server: TestServer;
  const apps = {} as Record<'a' | 'b' | 'c', oidc.Configuration>;
  const ids: Record<string, string> = {};

  /**
   * Signs `username` in to `app` in the browser `agent` (with the password, or through the browser's session
   * and a consent) and trades the access token for working credentials.
   */
  async function signInAndGetCredentials(agent: UserAgent, app: oidc.Configuration, username: string): Promise<{ tokens: oidc.TokenEndpointResponse; credentials: CredentialsBody }> {
    const verifier = oidc.randomPKCECodeVerifier();
    const url = oidc.buildAuthorizationUrl(app, { redirect_uri: REDIRECT_URI, scope: 'openid email sts', code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256' });
    let step = await agent.navigate(url.toString(), REDIRECT_URI);
    if (step.html.includes('id="login-form"')) step = await agent.follow(await agent.submit(step, 'form#login-form', { username, password: PASSWORD }), REDIRECT_URI);
    if (step.html.includes('id="consent-form"')) step = await agent.follow(await agent.submit(step, 'form#consent-form'), REDIRECT_URI);
    expect(step.location).toMatch(/\?code=/);
    const tokens = await oidc.authorizationCodeGrant(app, new URL(step.location!), { pkceCodeVerifier: verifier });
    expect(tokens.claims()?.sub).toBe(ids[username]);
    const { status, body } = await exchangeToken(server.issuer, tokens.access_token);
    expect(status, JSON.stringify(body)).toBe(200);
    expect(await readObject(minio, body, 'free/film.txt')).toBe('a film');
    return { tokens, credentials: body };
  }

  /** RP-initiated logout with id_token_hint from `agent`'s browser; "Sign out" sends logout=yes. */
  async function logOut(agent: UserAgent, app: oidc.Configuration, idToken: string, everything: boolean): Promise<void> {
    const confirm = await agent.navigate(oidc.buildEndSessionUrl(app, { id_token_hint: idToken }).toString());
    const done = await agent.submit(confirm, 'form[id="op.logoutForm"]', everything ? { logout: 'yes' } : {});
    expect(done.status).toBe(303);
  }

  /** Revocation at logout runs after the response: reads until MinIO refuses the key, for at most 10 s. */
  async function readOnceRevoked(credentials: CredentialsBody): Promise<string> {
    const deadline = Date.now() + 10_000;
    let outcome = await readObject(minio, credentials, 'free/film.txt');
    while (outcome !== 'InvalidAccessKeyId' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      outcome = await readObject(minio, credentials, 'free/film.txt');
    }
    return outcome;
  }

  /** The user's revocation jobs once `count` of them are recorded and closed (the job closes after MinIO answered). */
  async function jobsOf(userId: string, count: number): Promise<JobRow[]> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const { rows } = await server.db.query<JobRow>(
        'SELECT scope, reason, attempts, last_error, done_at IS NOT NULL AS done FROM revocation_jobs WHERE user_id = $1 ORDER BY id', [userId]);
      if ((rows.length >= count && rows.every((j) => j.done)) || Date.now() > deadline) return rows;
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  beforeAll(async () => {
    database = await createMigratedTestDatabase();
    minio = await startMinio();
    server = await startTestServer({ env: database.env, extraEnv: minio.latchkeyEnv });
    const { services } = server.latchkey;
    await services.roles.createRole({ name: 'reader', policy: READER });
    await services.roles.setDefaultRole('reader');
    for (const username of ['maya', 'theo', 'lena', 'old']) {
      ids[username] = (await services.users.create({ username, email: `${username}@example.com`, password: PASSWORD, emailVerified: true })).id;
    }
    for (const [key, name] of [['a', 'App A'], ['b', 'App B'], ['c', 'App C']] as const) {
      apps[key] = await discover(server, await services.clients.create({ name, redirectUris: [REDIRECT_URI], scope: 'openid email sts' }));
    }
    await putAsRoot(minio, 'free/film.txt', 'a film');
  }, 180_000);
  afterAll(async () => {
    await server?.close();
    await minio?.stop();
    await database?.drop();
  });

  it('logging out of app A with "sign out of all" revokes the credentials of that browser session\'s grants (A, C) and app B\'s from another browser keep working', async () => {
    const laptop = new UserAgent();
    const phone = new UserAgent();
    const a = await signInAndGetCredentials(laptop, apps.a, 'maya');
    const c = await signInAndGetCredentials(laptop, apps.c, 'maya');
    const b = await signInAndGetCredentials(phone, apps.b, 'maya');

    await logOut(laptop, apps.a, a.tokens.id_token!, true);
    expect(await readOnceRevoked(a.credentials)).toBe('InvalidAccessKeyId');
    expect(await readOnceRevoked(c.credentials)).toBe('InvalidAccessKeyId');
    expect(await readObject(minio, b.credentials, 'free/film.txt')).toBe('a film');
    // One durable job per ended grant, each carried out at once.
    expect(await jobsOf(ids.maya!, 2)).toEqual([
      { scope: 'grant', reason: 'logout', attempts: 1, last_error: null, done: true },
      { scope: 'grant', reason: 'logout', attempts: 1, last_error: null, done: true },
    ]);
    // App B's grant survived the logout: its token still buys credentials.
    expect((await exchangeToken(server.issuer, b.tokens.access_token)).status).toBe(200);
  });

  it('logging out of app A alone ("Stay signed in") revokes only A\'s credentials, not those of app C in the same browser', async () => {
    const browser = new UserAgent();
    const a = await signInAndGetCredentials(browser, apps.a, 'lena');
    const c = await signInAndGetCredentials(browser, apps.c, 'lena');

    await logOut(browser, apps.a, a.tokens.id_token!, false);
    expect(await readOnceRevoked(a.credentials)).toBe('InvalidAccessKeyId');
    expect(await readObject(minio, c.credentials, 'free/film.txt')).toBe('a film');
    expect(await jobsOf(ids.lena!, 1)).toEqual([{ scope: 'grant', reason: 'logout', attempts: 1, last_error: null, done: true }]);
  });

  it('signing the user out everywhere revokes the credentials of every app at once', async () => {
    const a = await signInAndGetCredentials(new UserAgent(), apps.a, 'theo');
    const b = await signInAndGetCredentials(new UserAgent(), apps.b, 'theo');

    const { outcomes } = await server.latchkey.services.revocations.observe(() => server.latchkey.services.users.signOutEverywhere('theo'));
    expect(outcomes).toEqual([{ outcome: 'revoked', jobId: expect.any(Number) }]);
    expect(await readObject(minio, a.credentials, 'free/film.txt')).toBe('InvalidAccessKeyId');
    expect(await readObject(minio, b.credentials, 'free/film.txt')).toBe('InvalidAccessKeyId');
    expect(await jobsOf(ids.theo!, 1)).toEqual([{ scope: 'user', reason: 'signed_out', attempts: 1, last_error: null, done: true }]);
  });

  it('signing the user out everywhere also revokes credentials tagged per user, as they were minted before per-grant tags', async () => {
    // A credential from an earlier build: tagged u:<user id>, its issuance recorded without a tag.
    const sts = createMinioStsClient({ endpoint: minio.endpoint, region: 'us-east-1', accessKey: minio.stsAccessKey, secretKey: minio.stsSecretKey });
    const legacy = await sts.assumeRole({ policy: READER, durationSeconds: 900, revokeType: `u:${ids.old!}` });
    await server.db.query(
      `INSERT INTO credential_issuances (user_id, client_id, role_name, access_key_id, channel, expires_at) VALUES ($1, 'legacy-app', 'reader', $2, 'credentials', $3)`,
      [ids.old, legacy.accessKeyId, legacy.expiration],
    );
    const credentials = { AccessKeyId: legacy.accessKeyId, SecretAccessKey: legacy.secretAccessKey, SessionToken: legacy.sessionToken };
    expect(await readObject(minio, credentials, 'free/film.txt')).toBe('a film');
    const current = await signInAndGetCredentials(new UserAgent(), apps.b, 'old');

    await server.latchkey.services.users.signOutEverywhere('old');
    expect(await readObject(minio, credentials, 'free/film.txt')).toBe('InvalidAccessKeyId');
    expect(await readObject(minio, current.credentials, 'free/film.txt')).toBe('InvalidAccessKeyId');
  });
});
