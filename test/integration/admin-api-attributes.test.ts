import { beforeAll, describe, expect, it } from 'vitest';
import { currentBackend } from '../support/backend.js';
import { useTestServer } from '../support/harness.js';
import { AdminApiClient, clientToken } from '../support/admin-api.js';

/** The custom attribute schema through the admin API: declare, rename, retype, constrain and remove, values migrated. */
describe(`admin API: attributes (${currentBackend()})`, () => {
  const ctx = useTestServer();
  let api: AdminApiClient;
  const services = () => ctx.server.latchkey.services;
  const valueOf = async (user: string, name: string) => (await services().users.resolve(user)).custom_attributes[name];

  beforeAll(async () => {
    api = new AdminApiClient(ctx.server, (await clientToken(ctx.server, 'admin')).token);
  });

  it('declares an attribute (201), lists it, and refuses the same name with 409', async () => {
    const added = await api.call('POST', '/attributes', { name: 'custom:tier', type: 'string', max_length: 10 });
    expect(added.status).toBe(201);
    expect(added.body).toEqual({ name: 'tier', claim: 'custom:tier', type: 'string', required: false, mutable: true, min_length: null, max_length: 10, min_value: null, max_value: null });
    expect((await api.call('GET', '/attributes')).body).toEqual({ attributes: [added.body] });
    const again = await api.call('POST', '/attributes', { name: 'tier', type: 'number' });
    expect(again.status).toBe(409);
  });

  it('refuses invalid declarations with 400 naming the fields: the schema\'s and the declaration rules\'', async () => {
    const schema = await api.call('POST', '/attributes', { name: 'size', type: 'date', max_length: -1 });
    expect(schema.status).toBe(400);
    expect((schema.body as { error: { details: { path: string }[] } }).error.details.map((d) => d.path).sort()).toEqual(['body.max_length', 'body.type']);
    const rules = await api.call('POST', '/attributes', { name: 'Bad-Name', type: 'boolean', min_value: 3 });
    expect(rules.status).toBe(400);
    expect((rules.body as { error: { details: { path: string }[] } }).error.details.map((d) => d.path)).toContain('name');
  });

  it('answers 404 for an unknown attribute', async () => {
    expect((await api.call('PATCH', '/attributes/ghost', { required: true })).status).toBe(404);
    expect((await api.call('PATCH', '/attributes/ghost', { name: 'spirit' })).status).toBe(404);
    expect((await api.call('DELETE', '/attributes/ghost')).status).toBe(404);
  });

  it('renames an attribute (dry run first), moving every value with it', async () => {
    await services().users.create({ email: 'ann@example.com', username: 'ann', emailVerified: true, customAttributes: { tier: 'gold' } });
    const dry = await api.call('PATCH', '/attributes/custom:tier', { name: 'level', dry_run: true });
    expect(dry.status).toBe(200);
    expect(dry.body).toMatchObject({ dry_run: true, values: 1, changes: ['name: custom:tier → custom:level'], attribute: { name: 'level' }, previous: { name: 'tier' } });
    expect(await valueOf('ann', 'tier')).toBe('gold');

    const renamed = await api.call('PATCH', '/attributes/tier', { name: 'level' });
    expect(renamed.body).toMatchObject({ dry_run: false, values_converted: 1, attribute: { claim: 'custom:level' } });
    expect(await valueOf('ann', 'level')).toBe('gold');
    expect(await valueOf('ann', 'tier')).toBeUndefined();
    const combined = await api.call('PATCH', '/attributes/level', { name: 'rank', type: 'number' });
    expect(combined.status).toBe(400);
    expect(combined.body).toMatchObject({ error: { details: [{ path: 'body.name' }] } });
    expect((await api.call('PATCH', '/attributes/level', { dry_run: true })).status).toBe(400);
  });

  it('changes type and constraints: 409 while a value would not fit, converting every value when all do', async () => {
    await services().attributes.add({ name: 'seats', type: 'string' });
    await services().users.create({ email: 'bo@example.com', username: 'bo', emailVerified: true, customAttributes: { seats: '12', level: 'silver' } });
    await services().users.create({ email: 'cy@example.com', username: 'cy', emailVerified: true, customAttributes: { seats: 'many' } });

    const refused = await api.call('PATCH', '/attributes/seats', { type: 'number' });
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ error: { code: 'conflict' } });
    expect(await valueOf('bo', 'seats')).toBe('12');

    await services().users.update('cy', { customAttributes: { seats: '3' } }, { actor: 'admin' });
    const dry = await api.call('PATCH', '/attributes/seats', { type: 'number', dry_run: true });
    expect(dry.body).toMatchObject({ dry_run: true, values: 2, values_converted: 2 });
    expect(await valueOf('bo', 'seats')).toBe('12');
    const converted = await api.call('PATCH', '/attributes/seats', { type: 'number', min_value: 1 });
    expect(converted.body).toMatchObject({ attribute: { type: 'number', min_value: 1 }, values_converted: 2 });
    expect(await valueOf('bo', 'seats')).toBe(12);

    // A tightened constraint that a value breaks changes nothing; loosening always succeeds.
    expect((await api.call('PATCH', '/attributes/level', { max_length: 4 })).status).toBe(409);
    expect((await api.call('PATCH', '/attributes/level', { max_length: null })).body).toMatchObject({ attribute: { max_length: null } });
  });

  it('removes an attribute: 409 while it holds values, 204 with force=true, which deletes them', async () => {
    const refused = await api.call('DELETE', '/attributes/custom:seats');
    expect(refused.status).toBe(409);
    expect(await valueOf('bo', 'seats')).toBe(12);
    expect((await api.call('DELETE', '/attributes/seats?force=yes')).status).toBe(400);
    expect((await api.call('DELETE', '/attributes/seats?force=true')).status).toBe(204);
    expect(await valueOf('bo', 'seats')).toBeUndefined();
    expect((await api.call('GET', '/attributes')).body).toMatchObject({ attributes: [{ name: 'level' }] });
  });
});
