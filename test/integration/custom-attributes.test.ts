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

  it('refuses to change an immutable attribute that has a value, with a 400 naming it, while mutable ones change', async () => {
    const { services } = ctx.server.latchkey;
    await services.attributes.declare({ name: 'employee_id', type: 'string', mutable: false });
    await services.users.create({ username: 'jon', password: PASSWORD, customAttributes: { tier: 'gold', employee_id: 'E-1' } });
    const refused = services.users.update('jon', { customAttributes: { 'custom:employee_id': 'E-2', tier: 'silver' } }, { actor: 'admin' });
    await expect(refused).rejects.toMatchObject({ status: 400, code: 'invalid_request', details: [{ path: 'custom:employee_id', message: 'is immutable and already has a value' }] });
    await expect(refused).rejects.toThrow(/custom:employee_id/);
    // Nothing of the refused change landed; the same value again is no change, and mutable ones still change.
    expect((await services.users.resolve('jon')).custom_attributes).toEqual({ tier: 'gold', employee_id: 'E-1' });
    const updated = await services.users.update('jon', { customAttributes: { employee_id: 'E-1', tier: 'silver' } }, { actor: 'admin' });
    expect(updated.custom_attributes).toEqual({ tier: 'silver', employee_id: 'E-1' });
  });

  it('lets an immutable attribute without a value be set exactly once, even by concurrent updates', async () => {
    const { services } = ctx.server.latchkey;
    await services.attributes.declare({ name: 'badge', type: 'string', mutable: false });
    await services.users.create({ username: 'kim', password: PASSWORD, customAttributes: { tier: 'gold' } });
    const results = await Promise.allSettled(['B-1', 'B-2', 'B-3', 'B-4'].map((badge) => services.users.update('kim', { customAttributes: { badge } }, { actor: 'admin' })));
    const won = results.filter((r) => r.status === 'fulfilled');
    expect(won).toHaveLength(1);
    for (const lost of results.filter((r) => r.status === 'rejected')) expect(lost.reason).toMatchObject({ status: 400, details: [{ path: 'custom:badge' }] });
    expect((await services.users.resolve('kim')).custom_attributes.badge).toBe((won[0] as PromiseFulfilledResult<{ custom_attributes: Record<string, unknown> }>).value.custom_attributes.badge);
  });

  it('never changes a declared type', async () => {
    await expect(ctx.server.latchkey.services.attributes.declare({ name: 'tier', type: 'number' })).rejects.toThrow(/a declared type cannot change/);
  });
});
