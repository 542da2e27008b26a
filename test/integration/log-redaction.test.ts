import { parse } from 'node-html-parser';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMigratedTestDatabase, currentBackend, type TestDatabase } from '../support/backend.js';
import { createTestClock } from '../support/clock.js';
import { PASSWORD, REDIRECT_URI } from '../support/fixtures.js';
import { openLoginPage } from '../support/flows.js';
import { discover } from '../support/harness.js';
import { startMinio, type MinioHarness } from '../support/minio.js';
import { startSmtpCapture, type SmtpCapture } from '../support/smtp-capture.js';
import { startTestServer, TEST_SECRET, type TestServer } from '../support/test-server.js';
import { authenticatorCode } from '../support/totp.js';
import { UserAgent, type PageResponse } from '../support/user-agent.js';

const EMAIL = 'logged@example.com';
const WRONG_PASSWORD = 'not-the-password-7d1c93';
const READ_POLICY = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3:GetObject'], Resource: ['arn:aws:s3:::free/*'] }] };

/**
 * Every secret a whole journey handles stays out of the log, at debug level: sign-up with a password, the
 * mailed verification code, enrolment of an authenticator (its secret, its codes, the recovery codes), the
 * code exchange and a refresh, a second sign-in with a wrong password and then an authenticator code, an
 * admin API call with a client-credentials token (client secret in a Basic header, and a wrong one), storage
 * credentials from MinIO over both identity-pool endpoints, and every cookie the browser held. A secret
 * found in the log fails the test by its name.
 */
describe(`log redaction over a whole journey (${currentBackend()})`, () => {
  const clock = createTestClock();
  let database: TestDatabase;
  let smtp: SmtpCapture;
  let minio: MinioHarness;
  let server: TestServer;
  /** name → value of everything the journey used that must never be logged. */
  const secrets = new Map<string, string>();
  const agents: UserAgent[] = [];
  /** Interaction ids: public, in every hosted page's path (the `_interaction` cookie's signature is the secret). */
  const interactionIds = new Set<string>();
  let echoed: { kept: string | null; replaced: string | null };

  const keep = (name: string, value: string | undefined | null) => {
    expect(value, name).toBeTruthy();
    secrets.set(name, value!);
    return value!;
  };
  const url = (path: string) => `${server.issuer}${path}`;

  /** Follows an interaction to the app's callback and redeems the code, keeping code, verifier and tokens. */
  async function redeem(agent: UserAgent, response: PageResponse, app: oidc.Configuration, request: { verifier: string; state: string; nonce: string }, label: string) {
    const callback = await agent.follow(response, REDIRECT_URI);
    expect(callback.location, label).toMatch(/\?code=/);
    keep(`${label} authorization code`, new URL(callback.location!).searchParams.get('code'));
    const tokens = await oidc.authorizationCodeGrant(app, new URL(callback.location!), { pkceCodeVerifier: request.verifier, expectedState: request.state, expectedNonce: request.nonce });
    keep(`${label} access token`, tokens.access_token);
    keep(`${label} refresh token`, tokens.refresh_token);
    keep(`${label} ID token`, tokens.id_token);
    return tokens;
  }

  /** The app's authorization request with PKCE, state and nonce (all three kept as secrets). */
  async function authorize(agent: UserAgent, app: oidc.Configuration, label: string) {
    const state = keep(`${label} state`, oidc.randomState());
    const nonce = keep(`${label} nonce`, oidc.randomNonce());
    const { page, verifier } = await openLoginPage(agent, app, { scope: 'openid email offline_access sts', state, nonce });
    interactionIds.add(/\/interaction\/([^/?]+)/.exec(page.url)![1]!);
    keep(`${label} PKCE verifier`, verifier);
    return { page, request: { verifier, state, nonce } };
  }

  beforeAll(async () => {
    database = await createMigratedTestDatabase();
    [smtp, minio] = await Promise.all([startSmtpCapture(), startMinio()]);
    keep('LATCHKEY_SECRET', TEST_SECRET);
    keep('S3_STS_SECRET_KEY', minio.stsSecretKey);
    server = await startTestServer({
      env: database.env, clock,
      extraEnv: { LOG_LEVEL: 'debug', SMTP_URL: smtp.url, ...minio.latchkeyEnv },
    });
    const { services } = server.latchkey;
    await services.roles.createRole({ name: 'reader', policy: JSON.stringify(READ_POLICY) });
    await services.groups.create({ name: 'readers', precedence: 10, role: 'reader' });
    await services.mfa.setMode('required');
    const client = await services.clients.create({ name: 'Journal', redirectUris: [REDIRECT_URI], scope: 'openid email offline_access sts', firstParty: true });
    keep('app client secret', client.client_secret);
    const app = await discover(server, client);
    keep('password', PASSWORD);
    keep('wrong password', WRONG_PASSWORD);

    // Sign-up → mailed code → verification → forced enrolment (secret, first code, recovery codes) → the app.
    const first = new UserAgent();
    agents.push(first);
    const signUp = await authorize(first, app, 'sign-up');
    const signupHref = parse(signUp.page.html).querySelector('a#signup-link')!.getAttribute('href')!;
    const signupPage = await first.navigate(new URL(signupHref, signUp.page.url).toString());
    const submitted = await first.submit(signupPage, 'form#signup-form', { email: EMAIL, password: PASSWORD });
    const code = keep('verification code', /\b(\d{6})\b/.exec((await smtp.waitFor(EMAIL)).text)?.[1]);
    const enrolPage = await first.follow(await first.submit(await first.navigate(submitted.location!), 'form#verify-form', { code }));
    const totpSecret = keep('authenticator secret', parse(enrolPage.html).querySelector('#mfa-secret')?.text.replace(/\s/g, ''));
    const recoveryPage = await first.submit(enrolPage, 'form#mfa-enrol-form', { code: keep('enrolment TOTP code', authenticatorCode(totpSecret, clock)) });
    parse(recoveryPage.html).querySelectorAll('#mfa-recovery-codes li').forEach((li, i) => keep(`recovery code ${i + 1}`, li.text.trim()));
    const tokens = await redeem(first, await first.submit(recoveryPage, 'form#mfa-continue-form'), app, signUp.request, 'sign-up');
    const refreshed = await oidc.refreshTokenGrant(app, tokens.refresh_token!);
    keep('refreshed access token', refreshed.access_token);
    keep('refreshed refresh token', refreshed.refresh_token);
    await oidc.fetchUserInfo(app, refreshed.access_token, tokens.claims()!.sub);
    await services.groups.addUser('readers', tokens.claims()!.sub);

    // A second sign-in: a wrong password, then the password and the next authenticator code.
    clock.advance(30);
    const second = new UserAgent();
    agents.push(second);
    const signIn = await authorize(second, app, 'sign-in');
    const refused = await second.submit(signIn.page, 'form#login-form', { username: EMAIL, password: WRONG_PASSWORD });
    expect(refused.status).toBe(401);
    const mfaPage = await second.follow(await second.submit(refused, 'form#login-form', { username: EMAIL, password: PASSWORD }));
    const signedIn = await redeem(second, await second.submit(mfaPage, 'form#mfa-form', { code: keep('sign-in TOTP code', authenticatorCode(totpSecret, clock)) }), app, signIn.request, 'sign-in');

    // Storage credentials over both identity-pool endpoints.
    const bearer = keep('Bearer header', `Bearer ${signedIn.access_token}`);
    const credentials = await fetch(url('/sts/credentials'), { method: 'POST', headers: { authorization: bearer } });
    expect(credentials.status).toBe(200);
    const issued = await credentials.json() as { SecretAccessKey: string; SessionToken: string };
    keep('issued SecretAccessKey', issued.SecretAccessKey);
    keep('issued SessionToken', issued.SessionToken);
    const aws = await fetch(url('/sts'), {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ Action: 'AssumeRoleWithWebIdentity', Version: '2011-06-15', RoleArn: 'arn:aws:iam::000000000000:role/reader', RoleSessionName: 'journal', WebIdentityToken: signedIn.access_token }).toString(),
    });
    const xml = await aws.text();
    expect(aws.status, xml).toBe(200);
    keep('STS SecretAccessKey', /<SecretAccessKey>([^<]+)</.exec(xml)?.[1]);
    keep('STS SessionToken', /<SessionToken>([^<]+)</.exec(xml)?.[1]);

    // The admin API with a client-credentials token: the client secret in a Basic header, and a wrong one.
    const worker = await services.clients.create({ name: 'Ops worker', grantTypes: ['client_credentials'], scope: 'admin' });
    keep('admin client secret', worker.client_secret);
    const basic = keep('Basic header', `Basic ${Buffer.from(`${worker.client_id}:${worker.client_secret}`).toString('base64')}`);
    const wrongBasic = keep('wrong Basic header', `Basic ${Buffer.from(`${worker.client_id}:wrong-secret-4f1e0a`).toString('base64')}`);
    const tokenRequest = (authorization: string) => fetch(url('/token'), { method: 'POST', headers: { authorization, 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials&scope=admin' });
    expect((await tokenRequest(wrongBasic)).status).toBe(401);
    const granted = await tokenRequest(basic);
    expect(granted.status).toBe(200);
    const adminToken = keep('admin access token', (await granted.json() as { access_token: string }).access_token);
    expect((await fetch(url('/admin/v1/users'), { headers: { authorization: `Bearer ${adminToken}` } })).status).toBe(200);
    expect((await fetch(url('/admin/v1/users'), { headers: { authorization: `Bearer ${adminToken}x` } })).status).toBe(401);

    // Request ids: a well-formed one is kept, anything else replaced.
    const withId = (id: string) => fetch(url('/readyz'), { headers: { 'x-request-id': id } }).then((r) => r.headers.get('x-request-id'));
    echoed = { kept: await withId('trace-0af7651916cd43dd'), replaced: await withId('bad id with spaces') };

    for (const [index, agent] of agents.entries()) {
      for (const cookie of await agent.jar.getCookies(url('/'), { allPaths: true })) {
        // The `_interaction` cookie's value is the id in the page's own path, logged as such; the `.sig`
        // cookie beside it (kept below) is what makes it usable.
        if (interactionIds.has(cookie.value)) continue;
        keep(`cookie ${cookie.key} (browser ${index + 1})`, cookie.value);
      }
    }
  }, 180_000);

  afterAll(async () => {
    await server?.close();
    await Promise.all([smtp?.stop(), minio?.stop()]);
    await database?.drop();
    clock.reset();
  });

  /** Whether `value` occurs in `text` as a whole token (a 6-digit code inside a longer number does not count). */
  const occursIn = (text: string, value: string) => {
    const escaped = value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    return new RegExp(`(?<![A-Za-z0-9])${escaped}(?![A-Za-z0-9])`).test(text);
  };

  it('writes every secret of the journey nowhere in the log, at debug level', () => {
    const logged = server.logs.text;
    expect(server.logs.lines.length).toBeGreaterThan(40);
    // The browser's session and signed cookies are among what is looked for.
    expect([...secrets.keys()].filter((name) => /^cookie _session(\.sig)? /.test(name))).not.toEqual([]);
    expect([...secrets.keys()].filter((name) => /^cookie _interaction\.sig /.test(name))).not.toEqual([]);
    const found = [...secrets].filter(([, value]) => occursIn(logged, value)).map(([name]) => name);
    expect(found, `secrets in the log: ${found.join(', ')}`).toEqual([]);
  });

  it('writes JSON lines, and every line written while serving a request carries that request\'s id', () => {
    const lines = server.logs.lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    const requests = lines.filter((line) => line.msg === 'request');
    expect(requests.length).toBeGreaterThan(20);
    for (const line of requests) expect(line.requestId).toEqual(expect.any(String));
    // Lines from inside a request (a refused password, a refused client) carry the id of that request.
    const refusals = lines.filter((line) => line.event === 'login.failed');
    expect(refusals).toHaveLength(1);
    const requestIds = new Set(requests.map((line) => line.requestId));
    for (const line of refusals) expect(requestIds).toContain(line.requestId);
  });

  it('keeps a well-formed incoming X-Request-Id and echoes it, and replaces a malformed one', () => {
    expect(echoed.kept).toBe('trace-0af7651916cd43dd');
    expect(echoed.replaced).toMatch(/^[0-9a-f-]{36}$/);
    expect(server.logs.text).toContain('"requestId":"trace-0af7651916cd43dd"');
  });
});
