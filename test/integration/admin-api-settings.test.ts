import { beforeAll, describe, expect, it } from 'vitest';
import { currentBackend } from '../support/backend.js';
import { useTestServer } from '../support/harness.js';
import { AdminApiClient, clientToken } from '../support/admin-api.js';

/** The pool's settings through the admin API: each change applies at once, and each is audited. */
describe(`admin API: pool settings (${currentBackend()})`, () => {
  const ctx = useTestServer();
  let api: AdminApiClient;

  beforeAll(async () => {
    api = new AdminApiClient(ctx.server, (await clientToken(ctx.server, 'admin')).token);
  });

  it('shows the defaults: NIST length policy, MFA optional-or-off, sign-up open, no self-deletion', async () => {
    const settings = await api.call('GET', '/settings');
    expect(settings.status).toBe(200);
    expect(settings.body).toMatchObject({
      password_policy: { min_length: 15, require_digit: false, reject_common: true, reject_personal: true, temporary_password_validity_days: 7 },
      mfa_mode: await ctx.server.latchkey.services.mfa.mode(),
      signup: { enabled: true, required: [] },
      self_delete: false,
    });
  });

  it('replaces the password policy, which the next password set through the API must meet', async () => {
    const set = await api.call('PUT', '/settings/password-policy', { min_length: 20, require_digit: true });
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({ min_length: 20, require_digit: true, reject_common: true, rules: expect.arrayContaining([expect.objectContaining({ id: 'digit' })]) });
    expect((await api.call('GET', '/settings')).body).toMatchObject({ password_policy: { min_length: 20, require_digit: true } });

    const weak = await api.call('POST', '/users', { username: 'pat', password: 'a long passphrase without' });
    expect(weak.status).toBe(400);
    expect(JSON.stringify(weak.body)).toMatch(/digit/i);
    expect((await api.call('POST', '/users', { username: 'pat', password: 'a long passphrase with 1 digit' })).status).toBe(201);

    // Everything left out takes its default again.
    expect((await api.call('PUT', '/settings/password-policy', {})).body).toMatchObject({ min_length: 15, require_digit: false });
  });

  it('sets how long a temporary password stays valid (1 to 365 days), left out: 7', async () => {
    const set = await api.call('PUT', '/settings/password-policy', { temporary_password_validity_days: 30 });
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({ temporary_password_validity_days: 30, min_length: 15 });
    expect((await api.call('GET', '/settings')).body).toMatchObject({ password_policy: { temporary_password_validity_days: 30 } });
    expect((await ctx.server.latchkey.services.userPool.passwordPolicy()).options.temporaryPasswordValidityDays).toBe(30);
    for (const days of [0, 366, 2.5]) {
      const refused = await api.call('PUT', '/settings/password-policy', { temporary_password_validity_days: days });
      expect(refused.status).toBe(400);
      expect(refused.body).toMatchObject({ error: { details: [{ path: 'body.temporary_password_validity_days' }] } });
    }
    expect((await api.call('PUT', '/settings/password-policy', {})).body).toMatchObject({ temporary_password_validity_days: 7 });
  });

  it('refuses invalid policies with 400 naming the field: the schema\'s bounds and the policy\'s own rules', async () => {
    const bounds = await api.call('PUT', '/settings/password-policy', { min_length: 4, require_symbol: 'yes', minimum: 3 });
    expect(bounds.status).toBe(400);
    expect((bounds.body as { error: { details: { path: string }[] } }).error.details.map((d) => d.path).sort()).toEqual(['body', 'body.min_length', 'body.require_symbol']);
    const crossed = await api.call('PUT', '/settings/password-policy', { min_length: 100, max_length: 64 });
    expect(crossed.status).toBe(400);
    expect(crossed.body).toMatchObject({ error: { details: [{ path: 'minLength', message: 'must not be greater than maxLength' }] } });
  });

  it('sets the MFA mode, and refuses an unknown one', async () => {
    expect((await api.call('PUT', '/settings/mfa-mode', { mode: 'required' })).body).toEqual({ mode: 'required' });
    expect(await ctx.server.latchkey.services.mfa.mode()).toBe('required');
    const unknown = await api.call('PUT', '/settings/mfa-mode', { mode: 'sometimes' });
    expect(unknown.status).toBe(400);
    expect(unknown.body).toMatchObject({ error: { details: [{ path: 'body.mode' }] } });
    await api.call('PUT', '/settings/mfa-mode', { mode: 'off' });
  });

  it('closes sign-up and sets its required attributes, refusing an unknown attribute', async () => {
    const set = await api.call('PATCH', '/settings/sign-up', { enabled: false, required: ['given_name'] });
    expect(set.body).toEqual({ enabled: false, required: ['given_name'] });
    expect(await ctx.server.latchkey.services.userPool.signup()).toEqual({ enabled: false, required: ['given_name'] });
    const unknown = await api.call('PATCH', '/settings/sign-up', { required: ['shoe_size'] });
    expect(unknown.status).toBe(400);
    expect(unknown.body).toMatchObject({ error: { details: [{ path: 'required' }] } });
    expect((await api.call('PATCH', '/settings/sign-up', {})).status).toBe(400);
  });

  it('allows self-deletion, and records each change as pool.settings_changed', async () => {
    expect((await api.call('PUT', '/settings/self-delete', { enabled: true })).body).toEqual({ enabled: true });
    expect(await ctx.server.latchkey.services.userPool.selfDeleteAllowed()).toBe(true);
    expect((await api.call('PUT', '/settings/self-delete', {})).status).toBe(400);
    const { events } = await ctx.server.latchkey.services.audit.query({ type: 'pool.settings_changed', limit: 50 });
    expect(new Set(events.map((e) => e.details.setting))).toEqual(new Set(['password_policy', 'mfa_mode', 'signup', 'self_delete']));
    expect(events.every((e) => e.actor.kind === 'client')).toBe(true);
  });
});
