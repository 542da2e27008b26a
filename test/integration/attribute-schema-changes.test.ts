import * as oidc from 'openid-client';
import { beforeAll, describe, expect, it } from 'vitest';
import { currentBackend } from '../support/backend.js';
import { PASSWORD, REDIRECT_URI } from '../support/fixtures.js';
import { openLoginPage, signInToCallback } from '../support/flows.js';
import { discover, useTestServer } from '../support/harness.js';
import { runCli } from '../support/processes.js';
import { TEST_SECRET } from '../support/test-server.js';
import { UserAgent } from '../support/user-agent.js';

/**
 * Custom attributes change after their creation (unlike Cognito's): rename, type and constraints, with every
 * existing value migrated in the same transaction, or nothing changed at all. Each change leaves exactly one
 * audit event; a refused one leaves none.
 */
describe(`attribute schema changes (${currentBackend()})`, () => {
  const ctx = useTestServer();
  let config: oidc.Configuration;
  const services = () => ctx.server.latchkey.services;

  /** What a refused change must leave alone: every declaration, every user's values, the audit log. */
  async function state(): Promise<string> {
    const parts = await Promise.all([
      ctx.server.db.query('SELECT name, type, required, mutable, min_length, max_length, min_value, max_value FROM attribute_definitions ORDER BY name'),
      ctx.server.db.query('SELECT id, custom_attributes, updated_at FROM users ORDER BY id'),
      ctx.server.db.query('SELECT signup_required FROM user_pool_settings'),
      ctx.server.db.query('SELECT id FROM audit_events ORDER BY id'),
    ]);
    return JSON.stringify(parts.map((p) => p.rows));
  }

  /** The attribute events recorded since `afterId`, oldest first. */
  async function attributeEventsAfter(afterId: number) {
    const { events } = await services().audit.query({ type: 'attribute.', limit: 100 });
    return events.filter((event) => event.id > afterId).reverse();
  }

  const values = async (name: string) => {
    const { rows } = await ctx.server.db.query<{ username: string; value: unknown }>(
      'SELECT username, custom_attributes -> $1 AS value FROM users WHERE custom_attributes ? $1 ORDER BY username', [name]);
    return Object.fromEntries(rows.map((r) => [r.username, r.value]));
  };

  async function signIn(username: string) {
    const agent = new UserAgent();
    const { page, verifier } = await openLoginPage(agent, config, { scope: 'openid profile' });
    const tokens = await oidc.authorizationCodeGrant(config, new URL(await signInToCallback(agent, page, username, PASSWORD)), { pkceCodeVerifier: verifier });
    return { idToken: tokens.claims()!, userinfo: await oidc.fetchUserInfo(config, tokens.access_token, tokens.claims()!.sub) };
  }

  beforeAll(async () => {
    const client = await services().clients.create({ name: 'CRM', redirectUris: [REDIRECT_URI] });
    config = await discover(ctx.server, client);
  });

  it('adding an attribute records one attribute.added event; declaring the same name again is a 409 that records none', async () => {
    const last = await services().audit.latestId();
    await services().attributes.add({ name: 'custom:nickname_x', type: 'string', maxLength: 40 });
    const events = await attributeEventsAfter(last);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: 'attribute.added', outcome: 'success', details: { name: 'custom:nickname_x', type: 'string', constraints: ['max_length=40'] } });

    const before = await state();
    await expect(services().attributes.add({ name: 'nickname_x', type: 'number' })).rejects.toMatchObject({ status: 409, code: 'conflict' });
    await expect(services().attributes.add({ name: 'Bad-Name', type: 'string' })).rejects.toMatchObject({ status: 400, code: 'invalid_request' });
    expect(await state()).toBe(before);
  });

  it('renames an attribute: the declaration, every value and the sign-up requirement move in one change, and tokens carry custom:NEW', async () => {
    await services().attributes.add({ name: 'dept', type: 'string' });
    await services().users.create({ username: 'ivy', password: PASSWORD, emailVerified: true, customAttributes: { dept: 'sales' } });
    await services().users.create({ username: 'otto', password: PASSWORD, customAttributes: { dept: 'ops' } });
    await services().users.create({ username: 'pia', password: PASSWORD });
    await services().userPool.setSignup({ required: ['given_name', 'custom:dept'] });

    const before = await state();
    const dryRun = await services().attributes.rename('dept', 'custom:department', { dryRun: true });
    expect(dryRun).toMatchObject({ dryRun: true, values: 2, converted: 2, attribute: { name: 'department' } });
    expect(await state()).toBe(before);

    const last = await services().audit.latestId();
    const renamed = await services().attributes.rename('custom:dept', 'department');
    expect(renamed).toMatchObject({ dryRun: false, values: 2, converted: 2, previous: { name: 'dept' }, attribute: { name: 'department', type: 'string' } });
    expect((await services().attributes.list()).map((d) => d.name)).toContain('department');
    expect((await services().attributes.list()).map((d) => d.name)).not.toContain('dept');
    expect(await values('department')).toEqual({ ivy: 'sales', otto: 'ops' });
    expect(await values('dept')).toEqual({});
    expect((await services().userPool.signup()).required).toEqual(['given_name', 'custom:department']);
    const events = await attributeEventsAfter(last);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: 'attribute.changed', actor: { kind: 'system' }, details: { name: 'custom:dept', renamed_to: 'custom:department', values_moved: 2 } });

    await ctx.server.latchkey.holder.refresh(); // replicas pick declarations up within LATCHKEY_KEY_REFRESH_SECONDS
    const { idToken, userinfo } = await signIn('ivy');
    expect(idToken).toMatchObject({ 'custom:department': 'sales' });
    expect(idToken).not.toHaveProperty('custom:dept');
    expect(userinfo).toMatchObject({ 'custom:department': 'sales' });
    expect(userinfo).not.toHaveProperty('custom:dept');
    // The old name is free again, and a user may set the value under its new name only.
    await expect(services().users.update('otto', { customAttributes: { dept: 'x' } }, { actor: 'admin' })).rejects.toMatchObject({ status: 400 });
  });

  it('refuses a rename onto a declared or invalid name, or of an unknown attribute, changing nothing', async () => {
    await services().attributes.add({ name: 'site', type: 'string' });
    await services().attributes.add({ name: 'region', type: 'string' });
    const before = await state();
    await expect(services().attributes.rename('site', 'region')).rejects.toMatchObject({ status: 409, message: 'custom:region is already declared' });
    await expect(services().attributes.rename('site', 'Site 2')).rejects.toMatchObject({ status: 400, details: [{ path: 'name' }] });
    await expect(services().attributes.rename('site', 'custom:site')).rejects.toMatchObject({ status: 400 });
    await expect(services().attributes.rename('nowhere', 'somewhere')).rejects.toMatchObject({ status: 404 });
    expect(await state()).toBe(before);
  });

  it('changes string → number converting every value ("42" → 42), then number → string, each with one event', async () => {
    await services().attributes.add({ name: 'seats', type: 'string', maxLength: 8 });
    await services().users.create({ username: 'sam', password: PASSWORD, customAttributes: { seats: '42' } });
    await services().users.create({ username: 'sue', password: PASSWORD, customAttributes: { seats: ' -3.5 ' } });
    await services().users.create({ username: 'syd', password: PASSWORD, customAttributes: { seats: '1e3' } });

    const last = await services().audit.latestId();
    const toNumber = await services().attributes.change('seats', { type: 'number', maxValue: 5000 });
    expect(toNumber).toMatchObject({ values: 3, converted: 3, attribute: { type: 'number', max_length: null, max_value: 5000 } });
    expect(toNumber.changes).toEqual(['type: string → number', 'max_length: 8 → none', 'max_value: none → 5000']);
    expect(await values('seats')).toEqual({ sam: 42, sue: -3.5, syd: 1000 });
    // What users send from now on is a number too.
    expect((await services().users.update('sam', { customAttributes: { seats: '43' } }, { actor: 'admin' })).custom_attributes).toEqual({ seats: 43 });

    const toString = await services().attributes.change('custom:seats', { type: 'string' });
    expect(toString).toMatchObject({ values: 3, converted: 3, attribute: { type: 'string', max_value: null } });
    expect(await values('seats')).toEqual({ sam: '43', sue: '-3.5', syd: '1000' });

    const events = await attributeEventsAfter(last);
    expect(events.map((e) => e.type)).toEqual(['attribute.changed', 'attribute.changed']);
    expect(events[0]!.details).toEqual({ name: 'custom:seats', changes: ['type: string → number', 'max_length: 8 → none', 'max_value: none → 5000'], values_converted: 3 });
    expect(events[1]!.details).toMatchObject({ name: 'custom:seats', values_converted: 3 });
  });

  it('changes string → boolean ("true"/"false") and boolean → number (1/0) and back to boolean', async () => {
    await services().attributes.add({ name: 'beta', type: 'string' });
    await services().users.create({ username: 'bea', password: PASSWORD, customAttributes: { beta: 'true' } });
    await services().users.create({ username: 'ben', password: PASSWORD, customAttributes: { beta: 'false' } });
    await services().attributes.change('beta', { type: 'boolean' });
    expect(await values('beta')).toEqual({ bea: true, ben: false });
    await services().attributes.change('beta', { type: 'number' });
    expect(await values('beta')).toEqual({ bea: 1, ben: 0 });
    await services().attributes.change('beta', { type: 'boolean' });
    expect(await values('beta')).toEqual({ bea: true, ben: false });
  });

  it('refuses a type change when any value would not convert, saying how many with example users, and changes nothing', async () => {
    await services().attributes.add({ name: 'floor', type: 'string' });
    const fine = await services().users.create({ username: 'flo', password: PASSWORD, customAttributes: { floor: '3' } });
    const bad = await Promise.all(['fay', 'fin', 'fox', 'fred'].map((username, i) =>
      services().users.create({ username, password: PASSWORD, customAttributes: { floor: ['ground', 'two', '0x10', ''][i] } })));
    const before = await state();

    const refused = services().attributes.change('floor', { type: 'number' });
    await expect(refused).rejects.toMatchObject({ status: 409, code: 'conflict' });
    const message = ((await refused.catch((error: unknown) => error)) as Error).message;
    expect(message).toMatch(/^cannot change custom:floor: 4 values do not convert to a number \(users [0-9a-f-]{36}, [0-9a-f-]{36}, [0-9a-f-]{36}, …\); nothing was changed$/);
    const examples = message.match(/[0-9a-f-]{36}/g)!;
    expect(bad.map((u) => u.id)).toEqual(expect.arrayContaining(examples));
    expect(examples).not.toContain(fine.id);
    // A dry run gives the same answer, and a boolean refuses the same values.
    await expect(services().attributes.change('floor', { type: 'number' }, { dryRun: true })).rejects.toMatchObject({ status: 409 });
    await expect(services().attributes.change('floor', { type: 'boolean' })).rejects.toThrow(/5 values do not convert to a boolean/);
    expect(await state()).toBe(before);
    // Converted values must also meet the constraints that come with the new type.
    await services().attributes.add({ name: 'level', type: 'string' });
    await services().users.update('flo', { customAttributes: { level: '12' } }, { actor: 'admin' });
    const levelBefore = await state();
    await expect(services().attributes.change('level', { type: 'number', maxValue: 10 })).rejects.toThrow(/^cannot change custom:level: 1 value is above 10 \(user [0-9a-f-]{36}\)/);
    expect(await state()).toBe(levelBefore);
  });

  it('adding required refuses while users lack the value and succeeds once all have one; optional again always succeeds', async () => {
    await services().attributes.add({ name: 'cost_center', type: 'string' });
    const { rows } = await ctx.server.db.query<{ count: number }>('SELECT count(*)::int AS count FROM users');
    const lacking = rows[0]!.count;
    const before = await state();
    await expect(services().attributes.change('cost_center', { required: true })).rejects.toThrow(new RegExp(`^cannot change custom:cost_center: ${lacking} users have no value and it would be required \\(users `));
    expect(await state()).toBe(before);

    const { rows: ids } = await ctx.server.db.query<{ username: string }>('SELECT username FROM users');
    for (const { username } of ids) await services().users.update(username, { customAttributes: { cost_center: 'CC-1' } }, { actor: 'admin' });
    const last = await services().audit.latestId();
    expect((await services().attributes.change('cost_center', { required: true })).attribute.required).toBe(true);
    expect((await services().attributes.change('cost_center', { required: false })).attribute.required).toBe(false);
    expect((await attributeEventsAfter(last)).map((e) => e.details.changes)).toEqual([['required: false → true'], ['required: true → false']]);
  });

  it('adding max_length refuses while longer values exist, naming how many; a looser one or removing it succeeds', async () => {
    await services().attributes.add({ name: 'motto', type: 'string', maxLength: 100 });
    const long = await services().users.create({ username: 'max', password: PASSWORD, customAttributes: { motto: 'carpe diem, quam minimum credula postero' } });
    await services().users.create({ username: 'mia', password: PASSWORD, customAttributes: { motto: 'short' } });
    const before = await state();
    await expect(services().attributes.change('motto', { maxLength: 10 })).rejects.toThrow(`cannot change custom:motto: 1 value is longer than 10 characters (user ${long.id}); nothing was changed`);
    await expect(services().attributes.change('motto', { minLength: 6 })).rejects.toThrow(/1 value is shorter than 6 characters/);
    expect(await state()).toBe(before);

    expect((await services().attributes.change('motto', { maxLength: 60 })).changes).toEqual(['max_length: 100 → 60']);
    expect((await services().attributes.change('motto', { maxLength: null, mutable: false })).attribute).toMatchObject({ max_length: null, mutable: false });
    // A constraint that does not fit the type, or bounds that cross, are a 400.
    await expect(services().attributes.change('motto', { maxValue: 3 })).rejects.toMatchObject({ status: 400, details: [{ path: 'max_value', message: 'only for numbers' }] });
    await expect(services().attributes.change('motto', { minLength: 9, maxLength: 4 })).rejects.toMatchObject({ status: 400 });
    // The same constraints again are no change and leave no event.
    const last = await services().audit.latestId();
    expect((await services().attributes.change('motto', { mutable: false })).changes).toEqual([]);
    expect(await attributeEventsAfter(last)).toEqual([]);
  });

  it('removes an attribute with values only when forced, deleting them in the same change with one event', async () => {
    await services().attributes.add({ name: 'locker', type: 'number' });
    await services().users.create({ username: 'leo', password: PASSWORD, customAttributes: { locker: 7 } });
    await services().users.create({ username: 'lou', password: PASSWORD, customAttributes: { locker: 9 } });
    await services().userPool.setSignup({ required: ['custom:locker'] });
    const before = await state();
    await expect(services().attributes.remove('locker')).rejects.toMatchObject({ status: 409, message: expect.stringMatching(/^custom:locker still holds 2 values; removing it deletes them/) as unknown });
    expect(await state()).toBe(before);

    const last = await services().audit.latestId();
    expect(await services().attributes.remove('custom:locker', { force: true })).toEqual({ name: 'locker', valuesDeleted: 2 });
    expect(await values('locker')).toEqual({});
    expect((await services().attributes.list()).map((d) => d.name)).not.toContain('locker');
    expect((await services().userPool.signup()).required).toEqual([]);
    const events = await attributeEventsAfter(last);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: 'attribute.removed', details: { name: 'custom:locker', values_deleted: 2 } });

    // Without values no force is needed.
    await services().attributes.add({ name: 'unused', type: 'boolean' });
    expect(await services().attributes.remove('unused')).toEqual({ name: 'unused', valuesDeleted: 0 });
  });

  it('never leaves a value of the old type when user updates race a type change', async () => {
    await services().attributes.add({ name: 'score', type: 'string' });
    const racers = await Promise.all(Array.from({ length: 6 }, (_, i) => services().users.create({ username: `racer${i}`, password: PASSWORD, customAttributes: { score: String(i) } })));
    // Thirty rounds: without the declarations' lock in user writes, a stale string showed up within them.
    for (const type of Array.from({ length: 30 }, (_, i): 'string' | 'number' => (i % 2 ? 'string' : 'number'))) {
      const updates = racers.map((user, i) => services().users.update(user.id, { customAttributes: { score: String(10 + i) } }, { actor: 'admin' }));
      const [changed] = await Promise.allSettled([services().attributes.change('score', { type }), ...updates]);
      expect(changed.status).toBe('fulfilled');
      const { rows } = await ctx.server.db.query<{ kind: string }>("SELECT DISTINCT jsonb_typeof(custom_attributes -> 'score') AS kind FROM users WHERE custom_attributes ? 'score'");
      expect(rows).toEqual([{ kind: type }]);
    }
  });

  describe('latchkey attribute (the built CLI, beside the running server)', () => {
    const cli = (args: readonly string[]) => runCli(args, { ...ctx.database.env, LATCHKEY_SECRET: TEST_SECRET, LOG_LEVEL: 'warn' });

    it('renames with --dry-run first, changes and clears constraints, refuses what does not fit with exit 1, and removes only with --force', async () => {
      await services().attributes.add({ name: 'team', type: 'string' });
      const tess = await services().users.create({ username: 'tess', password: PASSWORD, customAttributes: { team: 'blue' } });

      const dryRun = await cli(['--json', 'attribute', 'rename', 'team', 'squad', '--dry-run']);
      expect(dryRun.code, dryRun.stderr).toBe(0);
      expect(JSON.parse(dryRun.stdout)).toMatchObject({ dry_run: true, values: 1, values_converted: 1, attribute: { name: 'squad', claim: 'custom:squad' } });
      expect(await values('team')).toEqual({ tess: 'blue' });

      const last = await services().audit.latestId();
      const renamed = await cli(['attribute', 'rename', 'custom:team', 'squad']);
      expect(renamed.code, renamed.stderr).toBe(0);
      expect(renamed.stdout.trim()).toBe('renamed custom:team to custom:squad; moved 1 value');
      expect(await values('squad')).toEqual({ tess: 'blue' });
      // The event names the command line as the actor.
      expect(await attributeEventsAfter(last)).toMatchObject([{ type: 'attribute.changed', actor: { kind: 'cli' }, details: { renamed_to: 'custom:squad' } }]);

      const refused = await cli(['attribute', 'change', 'squad', '--type', 'number']);
      expect(refused.code).toBe(1);
      expect(refused.stderr.trim()).toBe(`latchkey: cannot change custom:squad: 1 value does not convert to a number (user ${tess.id}); nothing was changed`);
      const refusedJson = await cli(['--json', 'attribute', 'change', 'squad', '--type', 'number', '--dry-run']);
      expect(refusedJson.code).toBe(1);
      expect(JSON.parse(refusedJson.stdout)).toMatchObject({ error: 'conflict', error_description: expect.stringContaining('1 value does not convert') as unknown });

      const capped = await cli(['attribute', 'change', 'squad', '--max-length', '10', '--immutable']);
      expect(capped.code, capped.stderr).toBe(0);
      expect(capped.stdout.trim()).toBe('changed custom:squad: mutable: true → false, max_length: none → 10');
      const cleared = await cli(['--json', 'attribute', 'change', 'squad', '--clear-max-length', '--mutable']);
      expect(cleared.code, cleared.stderr).toBe(0);
      expect(JSON.parse(cleared.stdout)).toMatchObject({ dry_run: false, changes: ['mutable: false → true', 'max_length: 10 → none'], attribute: { max_length: null, mutable: true } });

      // Usage errors exit 2; a change with nothing in it, or an unknown attribute, exits 1.
      expect((await cli(['attribute', 'change', 'squad', '--max-length', '3', '--clear-max-length'])).code).toBe(2);
      const empty = await cli(['attribute', 'change', 'squad']);
      expect([empty.code, empty.stderr.trim()]).toEqual([1, 'latchkey: nothing to change: give a type or a constraint']);

      const unforced = await cli(['attribute', 'remove', 'squad']);
      expect(unforced.code).toBe(1);
      expect(unforced.stderr).toContain('custom:squad still holds 1 value');
      expect(await values('squad')).toEqual({ tess: 'blue' });
      const forced = await cli(['--json', 'attribute', 'remove', 'squad', '--force']);
      expect(forced.code, forced.stderr).toBe(0);
      expect(JSON.parse(forced.stdout)).toEqual({ removed: 'custom:squad', values_deleted: 1 });
      expect(await values('squad')).toEqual({});
    }, 240_000); // a dozen CLI processes, each starting Node and opening the database
  });
});
