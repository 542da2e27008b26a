import * as oidc from 'openid-client';
import { beforeAll, describe, expect, it } from 'vitest';
import { currentBackend } from '../support/backend.js';
import { discover, useTestServer } from '../support/harness.js';
import { AdminApiClient, clientToken } from '../support/admin-api.js';

interface ClientAnswer { client_id: string; client_secret?: string; grant_types: string[]; upstream_providers: string[] | null }

/** Clients through the admin API: the secret shown once, settings replaced, secrets rotated with a grace period. */
describe(`admin API: clients (${currentBackend()})`, () => {
  const ctx = useTestServer();
  let api: AdminApiClient;

  beforeAll(async () => {
    api = new AdminApiClient(ctx.server, (await clientToken(ctx.server, 'admin')).token);
  });

  it('creates a confidential client (201) whose secret is in that answer only, and a public one without a secret', async () => {
    const created = await api.call('POST', '/clients', { name: 'Shop', redirect_uris: ['https://shop.example/cb'], upstream_providers: [] });
    expect(created.status).toBe(201);
    const client = created.body as ClientAnswer;
    expect(client).toMatchObject({ name: 'Shop', token_endpoint_auth_method: 'client_secret_basic', upstream_providers: [], grant_types: ['authorization_code', 'refresh_token'] });
    expect(client.client_secret).toMatch(/^[\w-]{43}$/);
    const shown = await api.call('GET', `/clients/${client.client_id}`);
    expect(shown.status).toBe(200);
    expect(shown.body).not.toHaveProperty('client_secret');
    const list = (await api.call('GET', '/clients')).body as { clients: Record<string, unknown>[] };
    expect(list.clients.find((c) => c.client_id === client.client_id)).toMatchObject({ name: 'Shop' });
    expect(JSON.stringify(list)).not.toContain(client.client_secret);

    const spa = await api.call('POST', '/clients', { name: 'SPA', public: true, redirect_uris: ['https://spa.example/cb'] });
    expect(spa.status).toBe(201);
    expect(spa.body).toMatchObject({ token_endpoint_auth_method: 'none' });
    expect(spa.body).not.toHaveProperty('client_secret');
  });

  it('refuses invalid bodies with 400 naming each field, from the schema and from the client rules', async () => {
    const schema = await api.call('POST', '/clients', { name: '', redirect_uris: 'https://x.example/cb', grant_types: ['password'], colour: 'red' });
    expect(schema.status).toBe(400);
    expect((schema.body as { error: { details: { path: string }[] } }).error.details.map((d) => d.path).sort()).toEqual(['body', 'body.grant_types.0', 'body.name', 'body.redirect_uris']);
    const rules = await api.call('POST', '/clients', { name: 'Bad', public: true, grant_types: ['client_credentials'], redirect_uris: ['http://evil.example/cb'] });
    expect(rules.status).toBe(400);
    expect(rules.body).toMatchObject({ error: { code: 'invalid_request', details: [
      { path: 'grant_types', message: 'a public client cannot use client_credentials' },
      { path: 'redirect_uris', message: expect.stringContaining('"http://evil.example/cb" must be https') },
    ] } });
    const noRedirect = await api.call('POST', '/clients', { name: 'No redirect' });
    expect(noRedirect.body).toMatchObject({ error: { details: [{ path: 'redirect_uris' }] } });
    const grace = await api.call('POST', '/clients/anything/rotate-secret', { grace_seconds: -1 });
    expect(grace.status).toBe(400);
    expect(grace.body).toMatchObject({ error: { details: [{ path: 'body.grace_seconds' }] } });
  });

  it('answers 404 for an unknown client on every operation', async () => {
    expect((await api.call('GET', '/clients/no-such-client')).status).toBe(404);
    expect((await api.call('PATCH', '/clients/no-such-client', { name: 'x' })).status).toBe(404);
    expect((await api.call('DELETE', '/clients/no-such-client')).status).toBe(404);
    expect((await api.call('POST', '/clients/no-such-client/rotate-secret', { grace_seconds: 0 })).status).toBe(404);
  });

  it('replaces redirect and post-logout URIs, scope, grant types, name and providers, checked by the create rules', async () => {
    const { client_id: id } = (await api.call('POST', '/clients', { name: 'Portal', redirect_uris: ['https://portal.example/cb'] })).body as ClientAnswer;
    const updated = await api.call('PATCH', `/clients/${id}`, {
      name: 'Portal 2', redirect_uris: ['https://portal.example/cb2', 'http://localhost:9000/cb'], post_logout_redirect_uris: ['https://portal.example/bye'],
      scope: 'openid email reports:read', grant_types: ['authorization_code', 'refresh_token', 'client_credentials'], upstream_providers: ['google'],
    });
    expect(updated.status).toBe(200);
    expect(await ctx.server.latchkey.services.clients.find(id)).toMatchObject({
      name: 'Portal 2', redirect_uris: ['https://portal.example/cb2', 'http://localhost:9000/cb'], post_logout_redirect_uris: ['https://portal.example/bye'],
      scope: 'openid email reports:read', grant_types: ['authorization_code', 'refresh_token', 'client_credentials'], upstream_providers: ['google'],
    });
    expect((await api.call('PATCH', `/clients/${id}`, { upstream_providers: null })).body).toMatchObject({ upstream_providers: null, name: 'Portal 2' });
    const invalid = await api.call('PATCH', `/clients/${id}`, { scope: 'email' });
    expect(invalid.status).toBe(400);
    expect(invalid.body).toMatchObject({ error: { details: [{ path: 'scope', message: 'must include openid for sign-in clients' }] } });
    expect((await api.call('PATCH', `/clients/${id}`, {})).status).toBe(400);
  });

  it('lets a client gain client_credentials by an update, and take tokens with it', async () => {
    const created = (await api.call('POST', '/clients', { name: 'Worker', redirect_uris: ['https://w.example/cb'], scope: 'openid jobs:run' })).body as ClientAnswer;
    const config = await discover(ctx.server, { client_id: created.client_id, client_secret: created.client_secret! });
    await expect(oidc.clientCredentialsGrant(config, { scope: 'jobs:run' })).rejects.toMatchObject({ error: 'invalid_request', error_description: 'requested grant type is not allowed for this client' });
    const updated = await api.call('PATCH', `/clients/${created.client_id}`, { grant_types: ['client_credentials'], scope: 'jobs:run' });
    expect(updated.body).toMatchObject({ grant_types: ['client_credentials'], redirect_uris: [] });
    expect((await oidc.clientCredentialsGrant(config, { scope: 'jobs:run' })).access_token).toBeTruthy();
  });

  it('rotates a secret: the old one works during the grace period, and with grace 0 the previous one stops at once', async () => {
    const worker = await ctx.server.latchkey.services.clients.create({ name: 'Batch', grantTypes: ['client_credentials'], scope: 'batch' });
    const first = await discover(ctx.server, worker);
    const rotated = await api.call('POST', `/clients/${worker.client_id}/rotate-secret`, { grace_seconds: 3600 });
    expect(rotated.status).toBe(200);
    const answer = rotated.body as { client_secret: string; previous_secret_expires_at: string };
    expect(answer.client_secret).not.toBe(worker.client_secret);
    expect(Date.parse(answer.previous_secret_expires_at) - Date.now()).toBeGreaterThan(3500_000);
    const second = await discover(ctx.server, { client_id: worker.client_id, client_secret: answer.client_secret });
    expect((await oidc.clientCredentialsGrant(first, { scope: 'batch' })).access_token).toBeTruthy();
    expect((await oidc.clientCredentialsGrant(second, { scope: 'batch' })).access_token).toBeTruthy();

    const immediate = await api.call('POST', `/clients/${worker.client_id}/rotate-secret`, { grace_seconds: 0 });
    expect(immediate.body).toMatchObject({ previous_secret_expires_at: null });
    const third = await discover(ctx.server, { client_id: worker.client_id, client_secret: (immediate.body as { client_secret: string }).client_secret });
    await expect(oidc.clientCredentialsGrant(second, { scope: 'batch' })).rejects.toMatchObject({ error: 'invalid_client' });
    await expect(oidc.clientCredentialsGrant(first, { scope: 'batch' })).rejects.toMatchObject({ error: 'invalid_client' });
    expect((await oidc.clientCredentialsGrant(third, { scope: 'batch' })).access_token).toBeTruthy();
    const shown = JSON.stringify((await api.call('GET', `/clients/${worker.client_id}`)).body);
    expect(shown).not.toContain('client_secret"');
    expect(shown).not.toContain(answer.client_secret);
  });

  it('refuses to rotate a public client\'s secret (it has none), and defaults the grace period to a day', async () => {
    const spa = await ctx.server.latchkey.services.clients.create({ name: 'Public', public: true, redirectUris: ['https://p.example/cb'] });
    expect((await api.call('POST', `/clients/${spa.client_id}/rotate-secret`, { grace_seconds: 10 })).status).toBe(400);
    const worker = await ctx.server.latchkey.services.clients.create({ name: 'Daily', grantTypes: ['client_credentials'], scope: 'batch' });
    const rotated = await api.call('POST', `/clients/${worker.client_id}/rotate-secret`);
    expect(Date.parse((rotated.body as { previous_secret_expires_at: string }).previous_secret_expires_at) - Date.now()).toBeGreaterThan(86_000_000);
  });

  it('deletes a client (204): its tokens stop being issued', async () => {
    const worker = await ctx.server.latchkey.services.clients.create({ name: 'Gone', grantTypes: ['client_credentials'], scope: 'batch' });
    const config = await discover(ctx.server, worker);
    expect((await api.call('DELETE', `/clients/${worker.client_id}`)).status).toBe(204);
    expect((await api.call('GET', `/clients/${worker.client_id}`)).status).toBe(404);
    await expect(oidc.clientCredentialsGrant(config, { scope: 'batch' })).rejects.toMatchObject({ error: 'invalid_client' });
  });
});
