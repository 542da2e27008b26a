import { beforeAll, describe, expect, it } from 'vitest';
import { currentBackend } from '../support/backend.js';
import { PASSWORD, seedDirectory } from '../support/fixtures.js';
import { useTestServer } from '../support/harness.js';
import { AdminApiClient, clientToken } from '../support/admin-api.js';

interface PresentedUser { id: string; email: string | null; username: string | null; enabled: boolean; status: string; groups?: string[]; custom_attributes: Record<string, unknown> }
interface UserPage { users: PresentedUser[]; next_cursor: string | null }

/** Every user operation of the admin API, each answer checked against the OpenAPI document. */
describe(`admin API: users (${currentBackend()})`, () => {
  const ctx = useTestServer();
  let api: AdminApiClient;

  beforeAll(async () => {
    await seedDirectory(ctx.server.latchkey.services);
    await ctx.server.latchkey.services.attributes.add({ name: 'plan', type: 'string' });
    api = new AdminApiClient(ctx.server, (await clientToken(ctx.server, 'admin')).token);
  });

  it('creates a user, gets them by id, username and e-mail, and refuses a duplicate with 409', async () => {
    const created = await api.call('POST', '/users', { email: 'Bob@Example.com', username: 'bob', password: PASSWORD, groups: ['staff'], custom_attributes: { plan: 'gold' } });
    expect(created.status).toBe(201);
    const bob = created.body as PresentedUser;
    expect(bob).toMatchObject({ email: 'Bob@Example.com', status: 'confirmed', enabled: true, groups: ['staff'], custom_attributes: { plan: 'gold' } });
    expect(JSON.stringify(bob)).not.toMatch(/password|argon2/);
    for (const reference of [bob.id, 'bob', 'bob@example.com']) expect((await api.call('GET', `/users/${encodeURIComponent(reference)}`)).body).toMatchObject({ id: bob.id });
    const duplicate = await api.call('POST', '/users', { email: 'bob@example.com', password: PASSWORD });
    expect(duplicate.status).toBe(409);
    expect((await api.call('GET', '/users/nobody')).status).toBe(404);
  });

  it('refuses invalid bodies with 400 and the fields at fault, creating nothing', async () => {
    const before = (await ctx.server.latchkey.services.userSearch.counts()).total;
    const cases: [unknown, string][] = [
      [{ password: PASSWORD }, 'body.email'],
      [{ email: 'x@example.com', unknown_field: 1 }, 'body'],
      [{ email: 'x@example.com', email_verified: 'yes' }, 'body.email_verified'],
      [{ email: 'x@example.com', groups: 'staff' }, 'body.groups'],
      [{ email: 'x@example.com', password: 'short' }, 'password'],
      [{ email: 'not-an-address' }, 'email'],
    ];
    for (const [body, path] of cases) {
      const answer = await api.call('POST', '/users', body);
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(answer.body).toMatchObject({ error: { code: 'invalid_request' } });
      const details = (answer.body as { error: { details?: { path: string }[] } }).error.details ?? [];
      expect(details.map((d) => d.path).join(' '), JSON.stringify(body)).toContain(path);
    }
    expect((await api.call('POST', '/users', undefined, { raw: '{"email":', contentType: 'application/json' })).status).toBe(400);
    expect((await api.call('POST', '/users', undefined, { raw: 'email=x@example.com', contentType: 'application/x-www-form-urlencoded' })).status).toBe(415);
    expect((await api.call('POST', '/users', undefined, { raw: JSON.stringify({ email: 'x@example.com', username: 'a'.repeat(300_000) }) })).status).toBe(413);
    expect((await api.call('GET', '/users?limit=0')).status).toBe(400);
    expect((await api.call('GET', '/users?cursor=bm90LWEtY3Vyc29y')).status).toBe(400);
    // Well-formed JSON in the cursor, but not a position this list issued: a 400, never a database error.
    expect((await api.call('GET', `/users?cursor=${Buffer.from(JSON.stringify(['yesterday', 'not-a-uuid'])).toString('base64url')}`)).status).toBe(400);
    expect((await ctx.server.latchkey.services.userSearch.counts()).total).toBe(before);
  });

  it('updates, disables, enables, requires a reset, sets a password, resets MFA, signs out and deletes', async () => {
    const carol = (await api.call('POST', '/users', { email: 'carol@example.com', password: PASSWORD })).body as PresentedUser;
    expect((await api.call('PATCH', `/users/${carol.id}`, { username: 'carol', custom_attributes: { plan: 'free' } })).body).toMatchObject({ username: 'carol', custom_attributes: { plan: 'free' } });
    expect((await api.call('PATCH', `/users/${carol.id}`, { username: 'bob' })).status).toBe(409);
    expect((await api.call('POST', '/users/carol/disable')).body).toMatchObject({ enabled: false });
    expect((await ctx.server.latchkey.services.users.findActingUser(carol.id))).toBeUndefined();
    expect((await api.call('POST', '/users/carol/enable')).body).toMatchObject({ enabled: true });
    expect((await api.call('POST', '/users/carol/require-reset')).body).toMatchObject({ status: 'reset_required' });
    expect((await api.call('PUT', '/users/carol/password', { password: 'a different long passphrase' })).status).toBe(204);
    expect((await ctx.server.latchkey.services.users.resolve('carol')).status).toBe('confirmed');
    expect((await api.call('PUT', '/users/carol/password', { password: 'short' })).status).toBe(400);
    expect((await api.call('POST', '/users/carol/mfa/reset')).body).toMatchObject({ user_id: carol.id, totp_removed: null });
    expect((await api.call('POST', '/users/carol/sign-out')).status).toBe(204);
    expect((await api.call('GET', '/users/carol/sessions')).body).toEqual({ apps: [] });
    expect((await api.call('GET', '/users/carol/identities')).body).toEqual({ identities: [] });
    expect((await api.call('DELETE', '/users/carol/identities/google')).status).toBe(404);
    expect((await api.call('DELETE', '/users/carol')).status).toBe(204);
    expect((await api.call('GET', `/users/${carol.id}`)).status).toBe(404);
  });

  it('searches by e-mail prefix, exact username, attribute and state', async () => {
    for (const name of ['search-a', 'search-b', 'other-c']) {
      await api.call('POST', '/users', { email: `${name}@example.com`, password: PASSWORD, custom_attributes: { plan: name === 'search-b' ? 'platinum' : 'basic' } });
    }
    const names = async (query: string) => ((await api.call('GET', `/users?${query}`)).body as UserPage).users.map((u) => u.email);
    expect(await names('q=SEARCH-')).toEqual(['search-a@example.com', 'search-b@example.com']);
    expect(await names('email=other-c@example.com')).toEqual(['other-c@example.com']);
    expect(await names(`attribute=${encodeURIComponent('custom:plan=platinum')}`)).toEqual(['search-b@example.com']);
    expect(await names('username=alice')).toEqual(['alice@example.com']);
    expect((await names('enabled=false'))).toEqual([]);
  });

  it('pages through every user exactly once while users are being created', async () => {
    const services = ctx.server.latchkey.services;
    for (let i = 0; i < 30; i += 1) await services.users.create({ email: `page-${i}@example.com`, password: PASSWORD });
    const existing = new Set<string>();
    let after: { createdAt: Date; id: string } | undefined;
    for (;;) {
      const rows = await services.userSearch.search({ limit: 100, after });
      rows.forEach((r) => existing.add(r.id));
      if (rows.length < 100) break;
      after = { createdAt: rows[rows.length - 1]!.created_at, id: rows[rows.length - 1]!.id };
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    let created = 0;
    do {
      const page = (await api.call('GET', `/users?limit=7${cursor ? `&cursor=${cursor}` : ''}`)).body as UserPage;
      seen.push(...page.users.map((u) => u.id));
      cursor = page.next_cursor;
      // Between pages, others sign up: in bursts that share a millisecond, so the order's ties are exercised.
      await Promise.all([0, 1, 2].map(() => services.users.create({ email: `late-${(created += 1)}@example.com`, password: PASSWORD })));
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    for (const id of existing) expect(seen).toContain(id);
  });
});
