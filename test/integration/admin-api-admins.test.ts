import { beforeAll, describe, expect, it } from 'vitest';
import { currentBackend } from '../support/backend.js';
import { PASSWORD, seedDirectory } from '../support/fixtures.js';
import { useTestServer } from '../support/harness.js';
import { AdminApiClient, clientToken, userToken } from '../support/admin-api.js';

/** The admin group through the admin API: grant, change and revoke, each taking effect at the member's next request. */
describe(`admin API: admin group (${currentBackend()})`, () => {
  const ctx = useTestServer();
  let api: AdminApiClient;

  beforeAll(async () => {
    const services = ctx.server.latchkey.services;
    await seedDirectory(services);
    await services.users.create({ email: 'olga@example.com', username: 'olga', password: PASSWORD, emailVerified: true });
    api = new AdminApiClient(ctx.server, (await clientToken(ctx.server, 'admin')).token);
  });

  it('grants read-only access, then full access, and lists the members', async () => {
    const olgaToken = await userToken(ctx.server, 'olga', 'openid admin');
    // Not a member yet: her token is worthless here.
    expect((await api.call('GET', '/groups', undefined, { token: olgaToken })).status).toBe(403);

    const read = await api.call('PUT', '/admins/olga', { access: 'read' });
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ access: 'read', changed: true });
    expect((await api.call('GET', '/groups', undefined, { token: olgaToken })).status).toBe(200);
    expect((await api.call('POST', '/groups', { name: 'ops' }, { token: olgaToken })).status).toBe(403);

    expect((await api.call('PUT', '/admins/olga@example.com', { access: 'admin' })).body).toMatchObject({ access: 'admin', changed: true });
    expect((await api.call('PUT', '/admins/olga', { access: 'admin' })).body).toMatchObject({ changed: false });
    expect((await api.call('POST', '/groups', { name: 'ops' }, { token: olgaToken })).status).toBe(201);

    const list = await api.call('GET', '/admins');
    expect(list.body).toEqual({ admins: [expect.objectContaining({ username: 'olga', email: 'olga@example.com', access: 'admin' })] });
    const olga = await ctx.server.latchkey.services.users.resolve('olga');
    expect(await ctx.server.latchkey.services.admins.accessOf(olga.id)).toBe('admin');
    // A grant that changes nothing records nothing: two events, read then admin with its previous access.
    const { events } = await ctx.server.latchkey.services.audit.query({ type: 'admin.granted', subjectId: olga.id, limit: 10 });
    expect(events.map((e) => e.details)).toEqual([{ access: 'admin', previous: 'read' }, { access: 'read', previous: null }]);
  });

  it('refuses an invalid access with 400 naming the field, and an unknown user with 404', async () => {
    const invalid = await api.call('PUT', '/admins/olga', { access: 'owner' });
    expect(invalid.status).toBe(400);
    expect(invalid.body).toMatchObject({ error: { code: 'invalid_request', details: [{ path: 'body.access' }] } });
    const missing = await api.call('PUT', '/admins/olga', {});
    expect(missing.body).toMatchObject({ error: { details: [{ path: 'body.access' }] } });
    expect((await api.call('PUT', '/admins/nobody', { access: 'read' })).status).toBe(404);
    expect((await api.call('DELETE', '/admins/nobody')).status).toBe(404);
    // alice exists but is not in the admin group (the pool's own `admins` group does not count).
    expect((await api.call('DELETE', '/admins/alice')).status).toBe(404);
  });

  it('revokes (204): the member\'s token stops working here at once', async () => {
    const olgaToken = await userToken(ctx.server, 'olga', 'openid admin');
    expect((await api.call('GET', '/admins', undefined, { token: olgaToken })).status).toBe(200);
    expect((await api.call('DELETE', '/admins/olga')).status).toBe(204);
    const after = await api.call('GET', '/admins', undefined, { token: olgaToken });
    expect(after.status).toBe(403);
    expect(after.body).toMatchObject({ error: { code: 'not_an_administrator' } });
    expect((await api.call('GET', '/admins')).body).toEqual({ admins: [] });
  });
});
