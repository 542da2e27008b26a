import { beforeAll, describe, expect, it } from 'vitest';
import { currentBackend } from '../support/backend.js';
import { useTestServer } from '../support/harness.js';
import { AdminApiClient, clientToken } from '../support/admin-api.js';

const POLICY = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3:GetObject'], Resource: ['arn:aws:s3:::docs/${sub}/*'] }] };

/** Identity-pool roles and the role mapping through the admin API. */
describe(`admin API: roles and role mapping (${currentBackend()})`, () => {
  const ctx = useTestServer();
  let api: AdminApiClient;

  beforeAll(async () => {
    api = new AdminApiClient(ctx.server, (await clientToken(ctx.server, 'admin')).token);
  });

  it('creates a role (201) with its policy, gets and lists it, and refuses the same name with 409', async () => {
    const created = await api.call('POST', '/roles', { name: 'reader', policy: POLICY, max_duration_seconds: 900, description: 'Read documents' });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toMatchObject({ name: 'reader', policy: POLICY, max_duration_seconds: 900, description: 'Read documents' });
    expect(created.body).not.toHaveProperty('created');
    expect((await api.call('GET', '/roles/reader')).body).toMatchObject({ name: 'reader', policy: POLICY });
    expect((await api.call('GET', '/roles')).body).toMatchObject({ roles: [{ name: 'reader' }] });
    const again = await api.call('POST', '/roles', { name: 'reader', policy: POLICY });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ error: { code: 'conflict' } });
  });

  it('refuses invalid roles with 400 naming the fields: the schema\'s and the policy\'s own', async () => {
    const schema = await api.call('POST', '/roles', { name: 'x', policy: 'not an object', max_duration_seconds: 1.5 });
    expect(schema.status).toBe(400);
    expect((schema.body as { error: { details: { path: string }[] } }).error.details.map((d) => d.path).sort()).toEqual(['body.max_duration_seconds', 'body.policy']);
    const policy = await api.call('POST', '/roles', { name: 'broken', policy: { Version: '2008-10-17', Statement: [{ Effect: 'Maybe', Action: 's3:*', Resource: '*' }] } });
    expect(policy.status).toBe(400);
    expect(policy.body).toMatchObject({ error: { details: [{ path: 'Version' }, { path: 'Statement[0].Effect' }] } });
    const duration = await api.call('POST', '/roles', { name: 'long', policy: POLICY, max_duration_seconds: 10 });
    expect(duration.body).toMatchObject({ error: { details: [{ path: 'max_duration_seconds' }] } });
  });

  it('answers 404 for an unknown role', async () => {
    expect((await api.call('GET', '/roles/ghost')).status).toBe(404);
    expect((await api.call('PATCH', '/roles/ghost', { description: 'x' })).status).toBe(404);
    expect((await api.call('DELETE', '/roles/ghost')).status).toBe(404);
  });

  it('updates a role\'s policy, duration and description', async () => {
    const policy = { ...POLICY, Statement: [{ Effect: 'Allow', Action: 's3:ListBucket', Resource: 'arn:aws:s3:::docs' }] };
    const updated = await api.call('PATCH', '/roles/reader', { policy, max_duration_seconds: 1800 });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ policy, max_duration_seconds: 1800, description: 'Read documents' });
    expect((await ctx.server.latchkey.services.roles.getRole('reader')).policy).toEqual(policy);
  });

  it('replaces the rules, default role and ambiguity choice together, and leaves them whole when a role is unknown', async () => {
    await api.call('POST', '/roles', { name: 'writer', policy: POLICY });
    const mapping = {
      rules: [
        { claim: 'groups', match: 'contains', value: 'editors', role: 'writer' },
        { claim: 'email', match: 'startsWith', value: 'ops-', role: 'reader' },
      ],
      default_role: 'reader',
      ambiguous_role_resolution: 'default_role',
    };
    const replaced = await api.call('PUT', '/role-mapping', mapping);
    expect(replaced.status).toBe(200);
    expect(replaced.body).toEqual({ ...mapping, rules: mapping.rules.map((r, i) => ({ position: i + 1, ...r })) });
    expect(await ctx.server.latchkey.services.roles.poolSettings()).toMatchObject({ default_role: 'reader', ambiguous_role_resolution: 'default_role', rules: [{ position: 1, role_name: 'writer' }, { position: 2, role_name: 'reader' }] });

    const unknown = await api.call('PUT', '/role-mapping', { rules: [{ claim: 'groups', match: 'equals', value: 'x', role: 'ghost' }], default_role: null, ambiguous_role_resolution: 'deny' });
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ error: { message: 'no role "ghost"' } });
    expect((await api.call('GET', '/role-mapping')).body).toEqual(replaced.body);

    const invalid = await api.call('PUT', '/role-mapping', { rules: [{ claim: 'bad claim', match: 'like', value: 'x', role: 'reader' }], default_role: null });
    expect(invalid.status).toBe(400);
    expect((invalid.body as { error: { details: { path: string }[] } }).error.details.map((d) => d.path).sort()).toEqual(['body.ambiguous_role_resolution', 'body.rules.0.match']);
    const claim = await api.call('PUT', '/role-mapping', { rules: [{ claim: 'bad claim', match: 'equals', value: 'x', role: 'reader' }], default_role: null, ambiguous_role_resolution: 'deny' });
    expect(claim.body).toMatchObject({ error: { details: [{ path: 'rules.0.claim' }] } });

    const cleared = await api.call('PUT', '/role-mapping', { rules: [], default_role: null, ambiguous_role_resolution: 'deny' });
    expect(cleared.body).toEqual({ rules: [], default_role: null, ambiguous_role_resolution: 'deny' });
  });

  it('sets and clears the identity pool\'s guest role, refusing an unknown role with 404 and a malformed body with 400', async () => {
    expect((await api.call('GET', '/guest-role')).body).toEqual({ guest_role: null });
    expect(await api.call('PUT', '/guest-role', { guest_role: 'reader' })).toMatchObject({ status: 200, body: { guest_role: 'reader' } });
    expect((await api.call('GET', '/guest-role')).body).toEqual({ guest_role: 'reader' });
    expect((await api.call('PUT', '/guest-role', { guest_role: 'ghost' })).status).toBe(404);
    expect((await api.call('PUT', '/guest-role', { role: 'reader' })).status).toBe(400);
    expect((await api.call('GET', '/guest-role')).body).toEqual({ guest_role: 'reader' });
    expect(await api.call('PUT', '/guest-role', { guest_role: null })).toMatchObject({ status: 200, body: { guest_role: null } });
  });

  it('refuses to delete a role in use with 409, and with force=true detaches it (204)', async () => {
    await api.call('PUT', '/role-mapping', { rules: [{ claim: 'groups', match: 'contains', value: 'editors', role: 'writer' }], default_role: 'writer', ambiguous_role_resolution: 'deny' });
    const refused = await api.call('DELETE', '/roles/writer');
    expect(refused.status).toBe(409);
    expect((await api.call('DELETE', '/roles/writer?force=maybe')).status).toBe(400);
    expect((await api.call('DELETE', '/roles/writer?force=true')).status).toBe(204);
    expect((await api.call('GET', '/role-mapping')).body).toEqual({ rules: [], default_role: null, ambiguous_role_resolution: 'deny' });
    expect((await api.call('DELETE', '/roles/reader')).status).toBe(204);
    expect((await api.call('GET', '/roles')).body).toEqual({ roles: [] });
  });
});
