import * as oidc from 'openid-client';
import { beforeAll, describe, expect, it } from 'vitest';
import { currentBackend } from '../support/backend.js';
import { PASSWORD, REDIRECT_URI } from '../support/fixtures.js';
import { openLoginPage, signInToCallback } from '../support/flows.js';
import { discover, useTestServer } from '../support/harness.js';
import { snapshot } from '../support/snapshot.js';
import { UserAgent } from '../support/user-agent.js';

describe(`custom attributes (${currentBackend()})`, () => {
  const ctx = useTestServer();
  let config: oidc.Configuration;

  beforeAll(async () => {
    const { services } = ctx.server.latchkey;
    await services.attributes.declare({ name: 'tier', type: 'string', required: true, maxLength: 16 });
    await services.attributes.declare({ name: 'seats', type: 'number', min: 1, max: 500 });
    const client = await services.clients.create({ name: 'CRM', redirectUris: [REDIRECT_URI] });
    config = await discover(ctx.server, client);
  });

  it('stores typed, validated attributes and releases them as custom:NAME claims with the profile scope', async () => {
    const { services } = ctx.server.latchkey;
    await services.users.create({ username: 'ivy', password: PASSWORD, emailVerified: true, customAttributes: { 'custom:tier': 'gold', seats: '25' } });
    await ctx.server.latchkey.holder.refresh(); // replicas pick declarations up within LATCHKEY_KEY_REFRESH_SECONDS
    const agent = new UserAgent();
    const { page, verifier } = await openLoginPage(agent, config, { scope: 'openid profile' });
    const tokens = await oidc.authorizationCodeGrant(config, new URL(await signInToCallback(agent, page, 'ivy', PASSWORD)), { pkceCodeVerifier: verifier });
    expect(tokens.claims()).toMatchObject({ 'custom:tier': 'gold', 'custom:seats': 25 });
    expect(await oidc.fetchUserInfo(config, tokens.access_token, tokens.claims()!.sub)).toMatchObject({ 'custom:tier': 'gold', 'custom:seats': 25 });

    const agent2 = new UserAgent();
    const second = await openLoginPage(agent2, config, { scope: 'openid' });
    const narrow = await oidc.authorizationCodeGrant(config, new URL(await signInToCallback(agent2, second.page, 'ivy', PASSWORD)), { pkceCodeVerifier: second.verifier });
    expect(narrow.claims()).not.toHaveProperty('custom:tier');
  });

  it('refuses undeclared, mistyped, out-of-range or missing required attributes, storing nothing', async () => {
    const { services } = ctx.server.latchkey;
    const before = await snapshot(ctx.server.db);
    for (const customAttributes of [{ tier: 'gold', plan: 'x' }, { tier: 'gold', seats: 'many' }, { tier: 'gold', seats: 501 }, { seats: 3 }, { tier: 'x'.repeat(17) }]) {
      await expect(services.users.create({ username: `u${Math.random().toString(36).slice(2, 8)}`, password: PASSWORD, customAttributes })).rejects.toMatchObject({ status: 400, code: 'invalid_request' });
    }
    expect(await snapshot(ctx.server.db)).toBe(before);
  });

  it('never changes a declared type', async () => {
    await expect(ctx.server.latchkey.services.attributes.declare({ name: 'tier', type: 'number' })).rejects.toThrow(/a declared type cannot change/);
  });
});
