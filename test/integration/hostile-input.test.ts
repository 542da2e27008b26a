import * as oidc from 'openid-client';
import { beforeAll, describe, expect, it } from 'vitest';
import { createModelAtRest } from '../../src/oidc/model-at-rest.js';
import { currentBackend } from '../support/backend.js';
import { PASSWORD, REDIRECT_URI, seedDirectory } from '../support/fixtures.js';
import { openLoginPage, signInToCallback } from '../support/flows.js';
import { discover, useTestServer } from '../support/harness.js';
import { TEST_SECRET } from '../support/test-server.js';
import { snapshot } from '../support/snapshot.js';
import { alertText, findForm, UserAgent } from '../support/user-agent.js';

/** Bad input gets a precise 4xx and leaves the data as it was. */
describe(`hostile and malformed input (${currentBackend()})`, () => {
  const ctx = useTestServer();
  let config: oidc.Configuration;
  let seeded: Awaited<ReturnType<typeof seedDirectory>>;

  beforeAll(async () => {
    seeded = await seedDirectory(ctx.server.latchkey.services);
    config = await discover(ctx.server, seeded.client);
  });

  async function expectUnchanged(action: () => Promise<void>) {
    const before = await snapshot(ctx.server.db);
    await action();
    expect(await snapshot(ctx.server.db)).toBe(before);
  }

  it('answers a wrong password, an unknown user and SQL-looking input identically, changing nothing', async () => {
    const agent = new UserAgent();
    const { page } = await openLoginPage(agent, config);
    const answers: { status: number; alert: string | undefined }[] = [];
    await expectUnchanged(async () => {
      for (const [username, password] of [
        ['alice', 'wrong password'],
        ['nobody@example.com', PASSWORD],
        ["' OR '1'='1' --", "' OR '1'='1"],
        ['alice"; DROP TABLE users; --', 'x'],
        ['ａｌｉｃｅ', 'wrong password'], // full-width: normalises to alice, still the wrong password
      ]) {
        const response = await agent.submit(page, 'form#login-form', { username: username!, password: password! });
        answers.push({ status: response.status, alert: alertText(response.html) });
      }
    });
    for (const answer of answers) expect(answer).toEqual({ status: 401, alert: 'Incorrect username or password.' });
    expect((await ctx.server.db.query('SELECT count(*)::int AS n FROM users')).rows[0]).toEqual({ n: 1 });
  });

  it('takes about as long for an unknown user as for a wrong password (no enumeration by timing)', async () => {
    // One attempt per name, known or not, as someone probing for accounts makes them: repeated attempts on
    // one name are delayed and then locked out whether or not it names an account (login-throttle.ts).
    for (let i = 0; i < 8; i += 1) await ctx.server.latchkey.services.users.create({ username: `tim-${i}`, password: PASSWORD, emailVerified: true });
    const agent = new UserAgent();
    const { page } = await openLoginPage(agent, config);
    const time = async (username: string) => {
      const started = performance.now();
      const response = await agent.submit(page, 'form#login-form', { username, password: 'wrong password' });
      expect(response.status).toBe(401);
      return performance.now() - started;
    };
    const median = (values: number[]) => values.sort((x, y) => x - y)[Math.floor(values.length / 2)]!;
    await time('tim-7'); // warm-up: the dummy hash is created on first use
    await time('ghost');
    const known: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 7; i += 1) {
      known.push(await time(`tim-${i}`));
      unknown.push(await time(`ghost-${i}@example.com`));
    }
    const ratio = median(unknown) / median(known);
    expect(ratio).toBeGreaterThan(0.5);
    expect(ratio).toBeLessThan(2);
  });

  it('escapes reflected input in the login page', async () => {
    const agent = new UserAgent();
    const { page } = await openLoginPage(agent, config);
    const response = await agent.submit(page, 'form#login-form', { username: '<script>alert(1)</script>', password: 'x' });
    expect(response.html).not.toContain('<script>alert(1)</script>');
    expect(response.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(response.headers.get('content-security-policy')).toContain("default-src 'none'");
  });

  it('refuses a missing, forged or foreign CSRF token with 403', async () => {
    const agent = new UserAgent();
    const { page } = await openLoginPage(agent, config);
    const other = await openLoginPage(new UserAgent(), config);
    const foreignToken = findForm(other.page.html, 'form#login-form').querySelector('input[name=csrf]')!.getAttribute('value')!;
    await expectUnchanged(async () => {
      for (const csrf of ['', 'forged', foreignToken]) {
        const response = await agent.submit(page, 'form#login-form', { username: 'alice', password: PASSWORD, csrf });
        expect(response.status).toBe(403);
        expect(response.location).toBeNull();
        expect(alertText(response.html)).toMatch(/expired or was not sent by this site/);
      }
    });
  });

  it('refuses malformed login bodies with precise errors', async () => {
    const agent = new UserAgent();
    const { page } = await openLoginPage(agent, config);
    const action = new URL(findForm(page.html, 'form#login-form').getAttribute('action')!, page.url).toString();
    await expectUnchanged(async () => {
      const json = await agent.request(action, { method: 'POST', headers: { 'content-type': 'application/json' } });
      expect(json.status).toBe(415);
      const huge = await agent.request(action, { method: 'POST', body: new URLSearchParams({ username: 'a'.repeat(20_000), password: 'x' }) });
      expect(huge.status).toBe(413);
      const duplicated = await agent.request(action, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams('username=a&username=b&password=x') });
      expect(duplicated.status).toBe(400);
      const noCookie = await fetch(action, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'username=alice&password=x' });
      expect(noCookie.status).toBe(400);
    });
  });

  it('refuses an unregistered redirect_uri without redirecting to it', async () => {
    const url = oidc.buildAuthorizationUrl(config, { redirect_uri: 'https://evil.example/cb', scope: 'openid', code_challenge: 'a'.repeat(43), code_challenge_method: 'S256' });
    await expectUnchanged(async () => {
      const response = await new UserAgent().request(url.toString());
      expect(response.status).toBe(400);
      expect(response.location).toBeNull();
      expect(response.html).toContain('redirect_uri');
    });
  });

  it('requires PKCE and rejects a wrong verifier', async () => {
    const noPkce = oidc.buildAuthorizationUrl(config, { redirect_uri: REDIRECT_URI, scope: 'openid', state: 's' });
    let response!: Awaited<ReturnType<UserAgent['request']>>;
    await expectUnchanged(async () => { response = await new UserAgent().request(noPkce.toString()); });
    expect(response.status).toBe(303);
    const back = new URL(response.location!);
    expect(back.origin + back.pathname).toBe(REDIRECT_URI);
    expect(back.searchParams.get('error')).toBe('invalid_request');

    const agent = new UserAgent();
    const { page } = await openLoginPage(agent, config);
    const callback = await signInToCallback(agent, page, 'alice', PASSWORD);
    await expect(oidc.authorizationCodeGrant(config, new URL(callback), { pkceCodeVerifier: oidc.randomPKCECodeVerifier() }))
      .rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('revokes the grant when a code is replayed', async () => {
    const agent = new UserAgent();
    const { page, verifier } = await openLoginPage(agent, config);
    const callback = await signInToCallback(agent, page, 'alice', PASSWORD);
    const tokens = await oidc.authorizationCodeGrant(config, new URL(callback), { pkceCodeVerifier: verifier });
    expect((await oidc.tokenIntrospection(config, tokens.access_token)).active).toBe(true);
    await expect(oidc.authorizationCodeGrant(config, new URL(callback), { pkceCodeVerifier: verifier })).rejects.toMatchObject({ error: 'invalid_grant' });
    // RFC 6749 §4.1.2: tokens issued from a replayed code should be revoked.
    expect(await oidc.tokenIntrospection(config, tokens.access_token)).toEqual({ active: false });
    await expect(oidc.refreshTokenGrant(config, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('refuses an expired code', async () => {
    const agent = new UserAgent();
    const { page, verifier } = await openLoginPage(agent, config);
    const callback = await signInToCallback(agent, page, 'alice', PASSWORD);
    // Codes live 60 s; move this one past its expiry on the database clock.
    const code = new URL(callback).searchParams.get('code');
    // Stored under its keyed hash, never as the code itself.
    const storedId = createModelAtRest([TEST_SECRET]).storageKey(code!);
    const expired = await ctx.server.db.query(`UPDATE oidc_model SET expires_at = now() - interval '1 second' WHERE model = 'AuthorizationCode' AND id = $1`, [storedId]);
    expect(expired.rowCount).toBe(1);
    await expectUnchanged(async () => {
      await expect(oidc.authorizationCodeGrant(config, new URL(callback), { pkceCodeVerifier: verifier })).rejects.toMatchObject({ error: 'invalid_grant' });
    });
  });

  it('refuses malformed token requests and tampered or foreign tokens', async () => {
    await expectUnchanged(async () => {
      const garbage = await fetch(`${ctx.server.issuer}/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '%%%' });
      expect(garbage.status).toBe(400);
      expect(await garbage.json()).toMatchObject({ error: 'invalid_request' });
      const noGrant = await fetch(`${ctx.server.issuer}/token`, {
        method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${seeded.client.client_id}:${seeded.client.client_secret}`).toString('base64')}` }, body: 'code=abc',
      });
      expect(noGrant.status).toBe(400);
      expect((await noGrant.json() as { error: string }).error).toBe('invalid_request');
    });
    const agent = new UserAgent();
    const { page, verifier } = await openLoginPage(agent, config);
    const tokens = await oidc.authorizationCodeGrant(config, new URL(await signInToCallback(agent, page, 'alice', PASSWORD)), { pkceCodeVerifier: verifier });
    const [header, payload, signature] = tokens.access_token.split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString());
    const tampered = [header, Buffer.from(JSON.stringify({ ...claims, groups: ['root'] })).toString('base64url'), signature].join('.');
    const unsigned = [Buffer.from(JSON.stringify({ alg: 'none', typ: 'at+jwt' })).toString('base64url'), payload, ''].join('.');
    // A DPoP-bound token (cnf.jkt) presented as a plain bearer token (RFC 9449 §7.1), signed with the real key.
    const [key] = ctx.server.latchkey.holder.keySet.privateJwks;
    const { SignJWT, importJWK } = await import('jose');
    const bound = await new SignJWT({ ...claims, cnf: { jkt: 'x'.repeat(43) } })
      .setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', kid: key!.kid! }).sign(await importJWK(key!, 'RS256'));
    for (const token of [tampered, `${unsigned}x`, tokens.id_token!, bound]) {
      const userinfo = await fetch(`${ctx.server.issuer}/me`, { headers: { authorization: `Bearer ${token}` } });
      expect(userinfo.status).toBe(401);
      expect(userinfo.headers.get('www-authenticate')).toContain('invalid_token');
      expect(await oidc.tokenIntrospection(config, token)).toEqual({ active: false });
    }
  });

  it('shuts a disabled user out: no sign-in, and existing tokens stop working', async () => {
    const agent = new UserAgent();
    const { page, verifier } = await openLoginPage(agent, config);
    const tokens = await oidc.authorizationCodeGrant(config, new URL(await signInToCallback(agent, page, 'alice', PASSWORD)), { pkceCodeVerifier: verifier });
    await ctx.server.latchkey.services.users.setEnabled('alice', false);
    try {
      await expect(oidc.fetchUserInfo(config, tokens.access_token, seeded.user.id)).rejects.toMatchObject({ status: 401 });
      expect(await oidc.tokenIntrospection(config, tokens.access_token)).toEqual({ active: false });
      await expect(oidc.refreshTokenGrant(config, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
      const fresh = new UserAgent();
      const login = await openLoginPage(fresh, config);
      const refused = await fresh.submit(login.page, 'form#login-form', { username: 'alice', password: PASSWORD });
      expect(refused.status).toBe(401);
      expect(alertText(refused.html)).toMatch(/disabled/);
    } finally {
      await ctx.server.latchkey.services.users.setEnabled('alice', true);
    }
  });
});

/**
 * Control characters and text that is not UTF-8 are refused at the edge with each surface's own error, before
 * any client, code, token or user is looked up (a NUL reaching Postgres used to be a 500).
 */
describe(`malformed text refused at the edge (${currentBackend()})`, () => {
  const ctx = useTestServer();
  let seeded: Awaited<ReturnType<typeof seedDirectory>>;
  let config: oidc.Configuration;
  let basic: string;
  const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

  beforeAll(async () => {
    seeded = await seedDirectory(ctx.server.latchkey.services);
    config = await discover(ctx.server, seeded.client);
    basic = `Basic ${Buffer.from(`${seeded.client.client_id}:${seeded.client.client_secret}`).toString('base64')}`;
  });

  async function expectOAuthRefusal(path: string, init: RequestInit, field: string) {
    const before = await snapshot(ctx.server.db);
    const response = await fetch(`${ctx.server.issuer}${path}`, { redirect: 'manual', ...init });
    expect(response.status, path).toBe(400);
    expect(response.headers.get('content-type'), path).toContain('application/json');
    const body = await response.json() as { error: string; details: { path: string }[] };
    expect(body.error, path).toBe('invalid_request');
    expect(body.details[0]!.path, path).toBe(field);
    expect(await snapshot(ctx.server.db)).toBe(before);
  }

  it('answers NUL and other control characters in the provider endpoints\' fields with OAuth invalid_request JSON', async () => {
    const id = seeded.client.client_id;
    const authQuery = `client_id=${id}&response_type=code&scope=openid&redirect_uri=${encodeURIComponent(REDIRECT_URI)}&code_challenge=${'a'.repeat(43)}&code_challenge_method=S256`;
    const cases: [string, RequestInit, string][] = [
      ['/token', { method: 'POST', headers: FORM, body: `grant_type=authorization_code&client_id=a%00b&client_secret=x&code=c` }, 'client_id'],
      ['/token', { method: 'POST', headers: { ...FORM, authorization: basic }, body: `grant_type=authorization_code&code=a%00b&redirect_uri=${encodeURIComponent(REDIRECT_URI)}&code_verifier=${'v'.repeat(43)}` }, 'code'],
      ['/token', { method: 'POST', headers: { ...FORM, authorization: basic }, body: `grant_type=authorization_code&code=c&redirect_uri=http://localhost:8976/callback%01` }, 'redirect_uri'],
      ['/token', { method: 'POST', headers: { ...FORM, authorization: basic }, body: 'grant_type=refresh_token&refresh_token=a%00b' }, 'refresh_token'],
      ['/token', { method: 'POST', headers: { ...FORM, authorization: basic }, body: 'grant_type=client_credentials&scope=a%1Fb' }, 'scope'],
      ['/token', { method: 'POST', headers: { ...FORM, authorization: `Basic ${Buffer.from(`a\u0000b:${seeded.client.client_secret}`).toString('base64')}` }, body: 'grant_type=client_credentials' }, 'authorization'],
      ['/token', { method: 'POST', headers: { ...FORM, authorization: `Basic ${Buffer.from(`${id}:se%00cret`).toString('base64')}` }, body: 'grant_type=client_credentials' }, 'authorization'],
      ['/token/introspection', { method: 'POST', headers: { ...FORM, authorization: basic }, body: 'token=a%00b' }, 'token'],
      ['/token/introspection', { method: 'POST', headers: FORM, body: `token=a.b.c&client_id=a%00b&client_secret=x` }, 'client_id'],
      ['/token/revocation', { method: 'POST', headers: { ...FORM, authorization: basic }, body: 'token=a%7Fb' }, 'token'],
      ['/token/revocation', { method: 'POST', headers: FORM, body: 'token=a.b.c&client_id=a%00b' }, 'client_id'],
      [`/auth?${authQuery}&state=a%00b`, {}, 'state'],
      [`/auth?client_id=a%00b&response_type=code`, {}, 'client_id'],
      [`/auth?${authQuery.replace('callback', 'callback%00')}`, {}, 'redirect_uri'],
      [`/auth?${authQuery}&login_hint=%FF`, {}, 'login_hint'],
      [`/auth?${authQuery}&login_hint=%C0%80`, {}, 'login_hint'],
      ['/me?access_token=a%00b', {}, 'access_token'],
      ['/me', { method: 'POST', headers: FORM, body: 'access_token=a%00b' }, 'access_token'],
      ['/session/end?client_id=a%00b', {}, 'client_id'],
      ['/session/end?id_token_hint=a%08b', {}, 'id_token_hint'],
      ['/session/end/confirm', { method: 'POST', headers: FORM, body: 'xsrf=a%00b&logout=yes' }, 'xsrf'],
      ['/request', { method: 'POST', headers: { ...FORM, authorization: basic }, body: `${authQuery}&state=a%00b` }, 'state'],
      ['/jwks?x=%00', {}, 'x'],
      ['/.well-known/openid-configuration?%00=1', {}, 'field'],
      ['/no/such%00path', {}, 'path'],
      ['/no/such%FFpath', {}, 'path'],
    ];
    for (const [path, init, field] of cases) await expectOAuthRefusal(path, init, field);
  });

  it('answers a control character in an STS query with the AWS ValidationError document', async () => {
    const before = await snapshot(ctx.server.db);
    for (const body of [
      'Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=arn:aws:iam::1:role/reader&WebIdentityToken=a.b%00.c',
      'Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=arn:aws:iam::1:role/read%00er&WebIdentityToken=a.b.c',
      'Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=arn:aws:iam::1:role/reader&WebIdentityToken=a.b.c&RoleSessionName=%C0%80',
    ]) {
      const response = await fetch(`${ctx.server.issuer}/sts`, { method: 'POST', headers: FORM, body });
      expect(response.status).toBe(400);
      const xml = await response.text();
      expect(xml).toContain('<Code>ValidationError</Code>');
      expect(xml).toMatch(/<Message>[^<]*(control character|not UTF-8)[^<]*<\/Message>/);
      // XML 1.0 cannot carry most control characters: the document must not echo them.
      expect([...xml].some((c) => c.charCodeAt(0) < 0x09)).toBe(false);
    }
    expect(await snapshot(ctx.server.db)).toBe(before);
  });

  it('refuses control characters and lone surrogates in a /sts/credentials body with OAuth invalid_request', async () => {
    const agent = new UserAgent();
    const { page, verifier } = await openLoginPage(agent, config);
    const tokens = await oidc.authorizationCodeGrant(config, new URL(await signInToCallback(agent, page, 'alice', PASSWORD)), { pkceCodeVerifier: verifier });
    const bearer = { authorization: `Bearer ${tokens.access_token}` };
    for (const [contentType, body] of [
      ['application/json', '{"role":"a\\u0000b"}'],
      ['application/json', '{"role":"\\ud800"}'],
      ['application/json', '{"ro\\u0001le":"reader"}'],
      ['application/x-www-form-urlencoded', 'role=a%00b'],
      ['application/x-www-form-urlencoded', 'role=%ED%A0%80'],
    ] as const) {
      const response = await fetch(`${ctx.server.issuer}/sts/credentials`, { method: 'POST', headers: { ...bearer, 'content-type': contentType }, body });
      expect(response.status, body).toBe(400);
      expect(await response.json(), body).toMatchObject({ error: 'invalid_request' });
    }
  });

  it('re-renders the sign-in form with an alert for control characters in the username or password, and refuses them on consent and cancel', async () => {
    const agent = new UserAgent();
    const { page } = await openLoginPage(agent, config);
    await expectUnchanged(ctx.server.db, async () => {
      const malformed: Record<string, string>[] = [{ username: 'al\u0000ice' }, { password: 'pass\u0000word' }, { username: 'alice\u001b[31m' }, { csrf: 'x\u0000' }];
      for (const fields of malformed) {
        const response = await agent.submit(page, 'form#login-form', { username: 'alice', password: PASSWORD, ...fields });
        expect(response.status).toBe(400);
        expect(response.html).toContain('id="login-form"');
        expect(alertText(response.html)).toMatch(/cannot be accepted/);
      }
    });
    // A tab is allowed in a value (a password may hold one): this is an ordinary wrong password.
    const tabbed = await agent.submit(page, 'form#login-form', { username: 'alice', password: 'pass\tword' });
    expect(tabbed.status).toBe(401);

    const signedIn = await agent.follow(await agent.submit(page, 'form#login-form', { username: 'alice', password: PASSWORD }), REDIRECT_URI);
    expect(signedIn.html).toContain('id="consent-form"');
    await expectUnchanged(ctx.server.db, async () => {
      for (const selector of ['form#consent-form', 'form[action$="/abort"]']) {
        const response = await agent.submit(signedIn, selector, { csrf: 'a\u0000b' });
        expect(response.status).toBe(400);
        expect(response.headers.get('content-type')).toContain('text/html');
        expect(alertText(response.html)).toMatch(/control character/);
      }
    });
  });
});

async function expectUnchanged(db: Parameters<typeof snapshot>[0], action: () => Promise<void>) {
  const before = await snapshot(db);
  await action();
  expect(await snapshot(db)).toBe(before);
}
