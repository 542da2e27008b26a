import { createRemoteJWKSet, decodeJwt, jwtVerify, type JWTPayload } from 'jose';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { currentBackend } from '../support/backend.js';
import { PASSWORD, POST_LOGOUT_URI, REDIRECT_URI } from '../support/fixtures.js';
import { discover, useTestServer } from '../support/harness.js';
import { startLogoutReceiver, type LogoutReceiver } from '../support/logout-receiver.js';
import { freePort } from '../support/test-server.js';
import { UserAgent, type PageResponse } from '../support/user-agent.js';

const LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout';
/** The delivery budget per app (BACKCHANNEL_TIMEOUT_MS) plus room for a slow test machine. */
const SIGN_OUT_CEILING_MS = 2500 + 2500;

describe(`back-channel logout and the logout confirmation (${currentBackend()})`, () => {
  const ctx = useTestServer();
  const receivers: LogoutReceiver[] = [];
  let userId: string;

  async function receiver(options: { hang?: boolean } = {}) {
    const started = await startLogoutReceiver(options);
    receivers.push(started);
    return started;
  }

  /** A first-party app (no consent page), optionally told of sign-outs at `uri`. */
  async function app(name: string, options: { uri?: string; sid?: boolean; skip?: boolean } = {}) {
    const client = await ctx.server.latchkey.services.clients.create({
      name, redirectUris: [REDIRECT_URI], postLogoutRedirectUris: [POST_LOGOUT_URI], firstParty: true,
      ...(options.uri ? { backchannelLogoutUri: options.uri, backchannelLogoutSessionRequired: options.sid === true } : {}),
      ...(options.skip ? { skipLogoutConfirmation: true } : {}),
    });
    return { client, config: await discover(ctx.server, client) };
  }

  /** Signs `agent` in to the app (with the password the first time, from the session after) and redeems the code. */
  async function signIn(agent: UserAgent, config: oidc.Configuration) {
    const verifier = oidc.randomPKCECodeVerifier();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT_URI, scope: 'openid', code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
    });
    let step = await agent.navigate(url.toString(), REDIRECT_URI);
    if (step.html.includes('id="login-form"')) step = await agent.follow(await agent.submit(step, 'form#login-form', { username: 'lena', password: PASSWORD }), REDIRECT_URI);
    expect(step.location).toMatch(/\?code=/);
    return oidc.authorizationCodeGrant(config, new URL(step.location!), { pkceCodeVerifier: verifier });
  }

  function endSession(agent: UserAgent, config: oidc.Configuration, params: Record<string, string>): Promise<PageResponse> {
    return agent.navigate(oidc.buildEndSessionUrl(config, { post_logout_redirect_uri: POST_LOGOUT_URI, ...params }).toString());
  }

  /** Verifies a logout token as an app would: signature by the issuer's JWKS, issuer, audience, typ, freshness. */
  async function verifyLogoutToken(token: string, clientId: string): Promise<JWTPayload> {
    const jwks = createRemoteJWKSet(new URL(`${ctx.server.issuer}/jwks`));
    const { payload } = await jwtVerify(token, jwks, { issuer: ctx.server.issuer, audience: clientId, typ: 'logout+jwt', maxTokenAge: '2m', requiredClaims: ['iat', 'exp', 'jti'] });
    expect(payload.events).toEqual({ [LOGOUT_EVENT]: {} });
    expect(payload).not.toHaveProperty('nonce');
    expect(payload.sub).toBe(userId);
    return payload;
  }

  beforeAll(async () => {
    userId = (await ctx.server.latchkey.services.users.create({ username: 'lena', email: 'lena@example.com', password: PASSWORD, emailVerified: true })).id;
  });
  afterAll(async () => {
    await Promise.all(receivers.map((r) => r.close()));
  });

  it('lists back-channel logout with sessions in discovery', async () => {
    const metadata = await (await fetch(`${ctx.server.issuer}/.well-known/openid-configuration`)).json() as Record<string, unknown>;
    expect(metadata).toMatchObject({ backchannel_logout_supported: true, backchannel_logout_session_supported: true });
  });

  it('sends every app of the session a verifiable logout token on RP-initiated logout: sid for the app that asked for it, sub alone otherwise', async () => {
    const withSid = await receiver();
    const withoutSid = await receiver();
    const a = await app('Wants sid', { uri: withSid.uri, sid: true });
    const b = await app('Sub only', { uri: withoutSid.uri });
    const agent = new UserAgent();
    const tokens = await signIn(agent, a.config);
    await signIn(agent, b.config);
    const sid = tokens.claims()?.sid;
    expect(typeof sid).toBe('string');

    const page = await endSession(agent, a.config, { id_token_hint: tokens.id_token! });
    expect(page.html).toContain('Do you want to sign out');
    const done = await agent.submit(page, 'form', { logout: 'yes' });
    expect(done.location).toMatch(new RegExp(`^${POST_LOGOUT_URI}`));

    const [first] = await withSid.waitFor(1);
    expect(await verifyLogoutToken(first!, a.client.client_id)).toMatchObject({ sid });
    const [other] = await withoutSid.waitFor(1);
    expect(await verifyLogoutToken(other!, b.client.client_id)).not.toHaveProperty('sid');
  });

  it('sends logout tokens on sign-out everywhere, which ends sessions outside the provider: one per session for a sid app, one naming the user for the other', async () => {
    const withSid = await receiver();
    const withoutSid = await receiver();
    const a = await app('Everywhere sid', { uri: withSid.uri, sid: true });
    const b = await app('Everywhere sub', { uri: withoutSid.uri });
    const sids: unknown[] = [];
    for (const agent of [new UserAgent(), new UserAgent()]) {
      sids.push((await signIn(agent, a.config)).claims()?.sid);
      await signIn(agent, b.config);
    }

    await ctx.server.latchkey.services.users.signOutEverywhere(userId);

    const received = await withSid.waitFor(2);
    const payloads = await Promise.all(received.map((t) => verifyLogoutToken(t, a.client.client_id)));
    expect(payloads.map((p) => p.sid).sort()).toEqual([...sids].sort());
    expect(new Set(payloads.map((p) => p.jti)).size).toBe(2);
    const [only] = await withoutSid.waitFor(1);
    expect(await verifyLogoutToken(only!, b.client.client_id)).not.toHaveProperty('sid');
    expect(withoutSid.tokens).toHaveLength(1);
  });

  it('signs out everywhere within the delivery timeout when one app refuses connections and another never answers, logs both, and still tells the working app', async () => {
    const working = await receiver();
    const hanging = await receiver({ hang: true });
    const ok = await app('Working', { uri: working.uri });
    const stuck = await app('Hanging', { uri: hanging.uri });
    const down = await app('Down', { uri: `http://127.0.0.1:${await freePort()}/logout` });
    const agent = new UserAgent();
    for (const each of [ok, stuck, down]) await signIn(agent, each.config);

    const started = Date.now();
    await ctx.server.latchkey.services.users.signOutEverywhere(userId);
    expect(Date.now() - started).toBeLessThan(SIGN_OUT_CEILING_MS);

    await verifyLogoutToken((await working.waitFor(1))[0]!, ok.client.client_id);
    expect(hanging.tokens).toHaveLength(1);
    const failures = ctx.server.logs.lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((l) => l.event === 'backchannel_logout.failed');
    expect(failures.map((l) => l.clientId)).toEqual(expect.arrayContaining([stuck.client.client_id, down.client.client_id]));
    expect(ctx.server.logs.text).not.toContain(hanging.tokens[0]);
  });

  it('finishes RP-initiated logout within the delivery timeout when an app never answers, and logs it', async () => {
    const hanging = await receiver({ hang: true });
    const stuck = await app('Hanging RP', { uri: hanging.uri });
    const agent = new UserAgent();
    const tokens = await signIn(agent, stuck.config);
    const page = await endSession(agent, stuck.config, { id_token_hint: tokens.id_token! });

    const started = Date.now();
    const done = await agent.submit(page, 'form', { logout: 'yes' });
    expect(Date.now() - started).toBeLessThan(SIGN_OUT_CEILING_MS);
    expect(done.location).toMatch(new RegExp(`^${POST_LOGOUT_URI}`));
    expect(hanging.tokens).toHaveLength(1);
    expect(ctx.server.logs.lines.some((line) => line.includes('backchannel_logout.failed') && line.includes(stuck.client.client_id))).toBe(true);
  });

  it('skips the confirmation for an app with the flag and a valid id_token_hint of this session, and the session ends', async () => {
    const receiverOfSkip = await receiver();
    const skip = await app('Skips', { uri: receiverOfSkip.uri, skip: true });
    const agent = new UserAgent();
    const tokens = await signIn(agent, skip.config);
    expect(typeof decodeJwt(tokens.id_token!).sid).toBe('string');

    const page = await endSession(agent, skip.config, { id_token_hint: tokens.id_token!, state: 'bye-1' });
    expect(page.status).toBe(200);
    expect(page.html).not.toContain('Do you want to sign out');
    expect(page.html).toContain('<input type="hidden" name="logout" value="yes"/>');
    expect(page.headers.get('content-security-policy')).toMatch(/script-src 'sha256-[A-Za-z0-9+/=]+'$/);
    // What the page's script does at once (and its button without script): post the form as it is.
    const done = await agent.submit(page, 'form');
    expect(done.location).toBe(`${POST_LOGOUT_URI}?state=bye-1`);
    await verifyLogoutToken((await receiverOfSkip.waitFor(1))[0]!, skip.client.client_id);
    // The browser's session is gone: the next sign-in asks for the password.
    const next = await agent.navigate(oidc.buildAuthorizationUrl(skip.config, { redirect_uri: REDIRECT_URI, scope: 'openid', code_challenge: 'x'.repeat(43), code_challenge_method: 'S256' }).toString(), REDIRECT_URI);
    expect(next.html).toContain('id="login-form"');
  });

  it('keeps the confirmation without the flag, without a hint, and with a hint from another browser\'s session', async () => {
    const plain = await app('No flag');
    const skip = await app('Flag', { skip: true });
    const agent = new UserAgent();
    const plainTokens = await signIn(agent, plain.config);
    await signIn(agent, skip.config);
    const elsewhere = await signIn(new UserAgent(), skip.config);

    const withoutFlag = await endSession(agent, plain.config, { id_token_hint: plainTokens.id_token! });
    const withoutHint = await endSession(agent, skip.config, { client_id: skip.client.client_id });
    const otherSession = await endSession(agent, skip.config, { id_token_hint: elsewhere.id_token! });
    for (const page of [withoutFlag, withoutHint, otherSession]) {
      expect(page.status).toBe(200);
      expect(page.html).toContain('Do you want to sign out');
      expect(page.html).not.toContain('<input type="hidden" name="logout"');
    }
  });
});
