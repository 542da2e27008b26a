import * as oidc from 'openid-client';
import { beforeAll, describe, expect, it } from 'vitest';
import { currentBackend } from '../support/backend.js';
import { PASSWORD, seedDirectory } from '../support/fixtures.js';
import { openLoginPage, signInToCallback } from '../support/flows.js';
import { discover, useTestServer } from '../support/harness.js';
import { AdminApiClient, clientToken } from '../support/admin-api.js';
import { UserAgent } from '../support/user-agent.js';

/** Groups through the admin API: validation, 404 and 409, member pages, and membership changes reaching tokens. */
describe(`admin API: groups (${currentBackend()})`, () => {
  const ctx = useTestServer();
  let api: AdminApiClient;
  let config: oidc.Configuration;

  beforeAll(async () => {
    const { client } = await seedDirectory(ctx.server.latchkey.services);
    config = await discover(ctx.server, client);
    api = new AdminApiClient(ctx.server, (await clientToken(ctx.server, 'admin')).token);
  });

  it('creates a group (201), lists it with its member count, and refuses a second one of that name with 409', async () => {
    const created = await api.call('POST', '/groups', { name: 'editors', description: 'Edit pages', precedence: 30 });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'editors', description: 'Edit pages', precedence: 30, role: null, members: 0 });
    const list = await api.call('GET', '/groups');
    expect((list.body as { groups: { name: string; members: number }[] }).groups.map((g) => [g.name, g.members])).toEqual([['admins', 1], ['staff', 1], ['editors', 0]]);
    const again = await api.call('POST', '/groups', { name: 'editors' });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ error: { code: 'conflict' } });
  });

  it('refuses invalid bodies with 400 naming each field', async () => {
    const wrongTypes = await api.call('POST', '/groups', { name: 'x', precedence: -1, role: 5, extra: true });
    expect(wrongTypes.status).toBe(400);
    const paths = (wrongTypes.body as { error: { details: { path: string }[] } }).error.details.map((d) => d.path).sort();
    expect(paths).toEqual(['body', 'body.precedence', 'body.role']);
    // The name's pattern is the service's own rule, reported in the same shape.
    const badName = await api.call('POST', '/groups', { name: '-starts-with-dash' });
    expect(badName.status).toBe(400);
    expect(badName.body).toMatchObject({ error: { code: 'invalid_request', details: [{ path: 'name' }] } });
    const empty = await api.call('PATCH', '/groups/staff', {});
    expect(empty.status).toBe(400);
    expect(empty.body).toMatchObject({ error: { details: [{ path: 'body', message: 'give at least one of description, precedence, role' }] } });
  });

  it('answers 404 for an unknown group, an unknown role, and an unknown user', async () => {
    expect((await api.call('GET', '/groups/nobody')).status).toBe(404);
    expect((await api.call('PATCH', '/groups/nobody', { description: 'x' })).status).toBe(404);
    expect((await api.call('DELETE', '/groups/nobody')).status).toBe(404);
    expect((await api.call('GET', '/groups/nobody/members')).status).toBe(404);
    expect((await api.call('PATCH', '/groups/staff', { role: 'no-such-role' })).status).toBe(404);
    expect((await api.call('POST', '/groups', { name: 'ops', role: 'no-such-role' })).status).toBe(404);
    expect((await api.call('PUT', '/groups/staff/members/nobody@example.com')).status).toBe(404);
    expect((await api.call('DELETE', '/groups/editors/members/alice')).status).toBe(404);
  });

  it('updates description, precedence and role, and clears the role with null', async () => {
    await ctx.server.latchkey.services.roles.createRole({ name: 'reader', policy: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3:GetObject'], Resource: ['arn:aws:s3:::docs/*'] }] }) });
    const updated = await api.call('PATCH', '/groups/editors', { description: 'Writers', precedence: 5, role: 'reader' });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ name: 'editors', description: 'Writers', precedence: 5, role: 'reader' });
    expect((await ctx.server.latchkey.services.groups.get('editors')).role_name).toBe('reader');
    const cleared = await api.call('PATCH', '/groups/editors', { role: null });
    expect(cleared.body).toMatchObject({ description: 'Writers', precedence: 5, role: null });
  });

  it('pages members with a keyset cursor, each member once, and refuses a forged cursor', async () => {
    const services = ctx.server.latchkey.services;
    await services.groups.create({ name: 'big' });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const user = await services.users.create({ email: `member${i}@example.com`, username: `member${i}`, emailVerified: true });
      ids.push(user.id);
      const put = await api.call('PUT', `/groups/big/members/member${i}`);
      expect(put.body).toEqual({ group: 'big', user_id: user.id, changed: true });
    }
    expect((await api.call('PUT', '/groups/big/members/member0')).body).toMatchObject({ changed: false });

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await api.call('GET', `/groups/big/members?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status).toBe(200);
      const body = page.body as { members: { user_id: string; username: string; granted_by_provider: null }[]; next_cursor: string | null };
      expect(body.members.length).toBeLessThanOrEqual(2);
      seen.push(...body.members.map((m) => m.user_id));
      cursor = body.next_cursor;
    } while (cursor);
    expect(seen).toEqual([...ids].sort());
    expect((await api.call('GET', '/groups/big')).body).toMatchObject({ members: 5 });

    const forged = await api.call('GET', `/groups/big/members?cursor=${Buffer.from(JSON.stringify(['not-a-uuid'])).toString('base64url')}`);
    expect(forged.status).toBe(400);
    expect(forged.body).toMatchObject({ error: { details: [{ path: 'cursor' }] } });
    expect((await api.call('GET', '/groups/big/members?limit=0')).status).toBe(400);
  });

  it('removes a member (204), and the next token leaves the group out', async () => {
    const agent = new UserAgent();
    const { page, verifier } = await openLoginPage(agent, config, { scope: 'openid email offline_access' });
    const tokens = await oidc.authorizationCodeGrant(config, new URL(await signInToCallback(agent, page, 'alice', PASSWORD)), { pkceCodeVerifier: verifier });
    expect(tokens.claims()).toMatchObject({ groups: ['admins', 'staff'] });

    const removed = await api.call('DELETE', '/groups/admins/members/alice');
    expect(removed.status).toBe(204);
    expect(removed.body).toBeUndefined();
    const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
    expect(refreshed.claims()).toMatchObject({ groups: ['staff'] });
    // Removing again: there is no such membership.
    expect((await api.call('DELETE', '/groups/admins/members/alice')).status).toBe(404);
  });

  it('deletes a group (204) with its memberships', async () => {
    expect((await api.call('DELETE', '/groups/big')).status).toBe(204);
    expect((await api.call('GET', '/groups/big')).status).toBe(404);
    const member = await ctx.server.latchkey.services.users.resolve('member0');
    expect(await ctx.server.latchkey.services.groups.namesOf(member.id)).toEqual([]);
    const { events } = await ctx.server.latchkey.services.audit.query({ type: 'group.deleted', limit: 1 });
    expect(events[0]).toMatchObject({ actor: { kind: 'client' }, details: { group: 'big', members: 5 } });
  });
});
