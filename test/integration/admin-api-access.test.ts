import { beforeAll, describe, expect, it } from 'vitest';
import { adminRouteTable } from '../../src/admin/api/admin-api.js';
import { openApiPath } from '../../src/admin/api/openapi.js';
import { currentBackend } from '../support/backend.js';
import { seedDirectory, PASSWORD } from '../support/fixtures.js';
import { useTestServer } from '../support/harness.js';
import { AdminApiClient, clientToken, userToken } from '../support/admin-api.js';

/** A concrete path for a route: every path parameter filled with a placeholder the auth step runs before. */
const concrete = (path: string) => path.replace(/:(\w+)/g, (_m, name: string) => (name === 'user' ? 'alice' : `placeholder-${name}`));

/**
 * Who may call the admin API: every route, with no token, a token without the admin scopes, a user outside
 * the admin group, and `admin:read` trying to write. The route table drives the test, so a new route is
 * covered the moment it exists.
 */
describe(`admin API access (${currentBackend()})`, () => {
  const ctx = useTestServer();
  let api: AdminApiClient;
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    const services = ctx.server.latchkey.services;
    await seedDirectory(services);
    await services.users.create({ email: 'olga@example.com', username: 'olga', password: PASSWORD, emailVerified: true });
    await services.users.create({ email: 'rita@example.com', username: 'rita', password: PASSWORD, emailVerified: true });
    await services.admins.grant('olga', 'admin');
    await services.admins.grant('rita', 'read');
    api = new AdminApiClient(ctx.server, null);
    tokens.admin = (await clientToken(ctx.server, 'admin')).token;
    tokens.read = (await clientToken(ctx.server, 'admin:read')).token;
    tokens.other = (await clientToken(ctx.server, 'reports:read')).token;
    // alice is in the pool's own `admins` group, which must not count as Latchkey's admin group.
    tokens.nonMember = await userToken(ctx.server, 'alice', 'openid admin');
    tokens.member = await userToken(ctx.server, 'olga', 'openid admin');
    tokens.readOnlyMember = await userToken(ctx.server, 'rita', 'openid admin');
  });

  it('documents every route of the route table in the OpenAPI document, and nothing else', async () => {
    const document = await api.openApi() as unknown as { openapi: string; paths: Record<string, Record<string, unknown>> };
    expect(document.openapi).toBe('3.1.0');
    const routes = adminRouteTable(ctx.server.latchkey.services);
    const documented = Object.entries(document.paths).flatMap(([path, methods]) => Object.keys(methods).map((method) => `${method} ${path}`)).sort();
    expect(documented).toEqual(routes.map((r) => `${r.method} ${openApiPath(r.path)}`).sort());
    expect(new Set(routes.map((r) => r.operationId)).size).toBe(routes.length);
  });

  it('answers 401 invalid_token without a token, or with a malformed or forged one, on every route', async () => {
    for (const route of adminRouteTable(ctx.server.latchkey.services)) {
      for (const token of [null, 'not-a-jwt', `${tokens.admin!.slice(0, -4)}AAAA`]) {
        const answer = await api.call(route.method, concrete(route.path), undefined, { token });
        expect(answer.status, `${route.method} ${route.path}`).toBe(401);
        expect(answer.body).toMatchObject({ error: { code: 'invalid_token' } });
        expect(answer.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token"/);
      }
    }
  });

  it('answers 403 insufficient_scope to a token without admin or admin:read on every route', async () => {
    for (const route of adminRouteTable(ctx.server.latchkey.services)) {
      const answer = await api.call(route.method, concrete(route.path), undefined, { token: tokens.other! });
      expect(answer.status, `${route.method} ${route.path}`).toBe(403);
      expect(answer.body).toMatchObject({ error: { code: 'insufficient_scope' } });
    }
  });

  it('answers 403 not_an_administrator to a user outside the admin group, even one in a pool group named admins', async () => {
    for (const route of adminRouteTable(ctx.server.latchkey.services)) {
      const answer = await api.call(route.method, concrete(route.path), undefined, { token: tokens.nonMember! });
      expect(answer.status, `${route.method} ${route.path}`).toBe(403);
      expect(answer.body).toMatchObject({ error: { code: 'not_an_administrator' } });
    }
  });

  it('refuses every write to admin:read tokens and read-only members with 403 insufficient_scope, and lets them read', async () => {
    for (const route of adminRouteTable(ctx.server.latchkey.services)) {
      for (const token of [tokens.read!, tokens.readOnlyMember!]) {
        const answer = await api.call(route.method, concrete(route.path), undefined, { token });
        if (route.access === 'write') {
          expect(answer.status, `${route.method} ${route.path}`).toBe(403);
          expect(answer.body).toMatchObject({ error: { code: 'insufficient_scope' } });
          expect(answer.headers.get('www-authenticate')).toContain('scope="admin"');
        } else {
          expect([200, 400, 404], `${route.method} ${route.path}`).toContain(answer.status);
        }
      }
    }
  });

  it('lets a member of the admin group and an admin client read and write', async () => {
    for (const token of [tokens.member!, tokens.admin!]) {
      const created = await api.call('POST', '/users', { email: `new-${token.length}-${Math.random()}@example.com`.replace(/0\./, ''), password: PASSWORD }, { token });
      expect(created.status).toBe(201);
      expect((await api.call('GET', '/users/alice', undefined, { token })).status).toBe(200);
    }
  });

  it('stops a member\'s token the moment they leave the admin group', async () => {
    const services = ctx.server.latchkey.services;
    await services.users.create({ email: 'tom@example.com', username: 'tom', password: PASSWORD, emailVerified: true });
    await services.admins.grant('tom', 'admin');
    const token = await userToken(ctx.server, 'tom', 'openid admin');
    expect((await api.call('GET', '/users/alice', undefined, { token })).status).toBe(200);
    await services.admins.revoke('tom');
    const answer = await api.call('GET', '/users/alice', undefined, { token });
    expect(answer.status).toBe(403);
    expect(answer.body).toMatchObject({ error: { code: 'not_an_administrator' } });
  });

  it('audits reads and refusals with the caller, and never a refused change', async () => {
    const services = ctx.server.latchkey.services;
    const before = await services.userSearch.counts();
    const refused = await api.call('POST', '/users', { email: 'sneaky@example.com', password: PASSWORD }, { token: tokens.read! });
    expect(refused.status).toBe(403);
    expect((await services.userSearch.counts()).total).toBe(before.total);
    const denied = await services.audit.query({ type: 'admin.denied', limit: 1 });
    expect(denied.events[0]).toMatchObject({ outcome: 'failure', actor: { kind: 'client' }, details: { operation: 'createUser', code: 'insufficient_scope' } });
    await api.call('GET', '/users/alice', undefined, { token: tokens.member! });
    const read = await services.audit.query({ type: 'admin.read', limit: 1 });
    expect(read.events[0]).toMatchObject({ actor: { kind: 'admin' }, details: { operation: 'getUser' }, address: expect.any(String) });
  });

  it('answers unknown paths with 404 and a known path with another method with 405 and Allow, in the admin error shape', async () => {
    const missing = await api.call('GET', '/no-such-thing', undefined, { token: tokens.admin! });
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ error: { code: 'not_found', request_id: expect.any(String) } });
    const wrongMethod = await api.call('PUT', '/users', undefined, { token: tokens.admin! });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toMatch(/GET/);
    expect(wrongMethod.body).toMatchObject({ error: { code: 'method_not_allowed' } });
  });
});
