import { parse } from 'node-html-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { currentBackend } from '../support/backend.js';
import { PASSWORD } from '../support/fixtures.js';
import { useTestServer } from '../support/harness.js';
import { UserAgent, type PageResponse } from '../support/user-agent.js';

const POLICY = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3:GetObject'], Resource: ['arn:aws:s3:::docs/*'] }] });

/**
 * The console's forms over the identity pool and the attribute schema, end to end through the hosted sign-in:
 * each change shows through the service that owns it, a refusal comes back on its form with the field at
 * fault and changes nothing, and every new form needs full access and the console's CSRF token.
 */
describe(`admin console forms (${currentBackend()})`, () => {
  const ctx = useTestServer();
  const url = (path: string) => `${ctx.server.issuer}${path}`;
  const services = () => ctx.server.latchkey.services;
  let admin: UserAgent;
  let auditor: UserAgent;
  let csrf: string;

  async function signIn(agent: UserAgent, username: string, path = '/admin'): Promise<PageResponse> {
    const login = await agent.navigate(url(path));
    return agent.follow(await agent.submit(login, 'form#login-form', { username, password: PASSWORD }));
  }
  const csrfOf = (page: PageResponse) => parse(page.html).querySelector('input[name="csrf"]')?.getAttribute('value') ?? '';
  const post = (agent: UserAgent, path: string, fields: Record<string, string>) => agent.request(url(path), { method: 'POST', body: new URLSearchParams(fields) });
  const get = (path: string) => admin.request(url(path));
  const html = (page: PageResponse) => parse(page.html);
  const alert = (page: PageResponse) => html(page).querySelector('[role="alert"]')?.text.trim() ?? '';
  const fieldError = (page: PageResponse, id: string) => html(page).querySelector(`#${id}-error`)?.text.trim() ?? '';

  beforeAll(async () => {
    for (const username of ['root', 'auditor']) await services().users.create({ username, email: `${username}@example.com`, emailVerified: true, password: PASSWORD });
    await services().admins.grant('root', 'admin');
    await services().admins.grant('auditor', 'read');
    await services().roles.createRole({ name: 'reader', description: 'Reads', policy: POLICY });
    await services().roles.createRole({ name: 'writer', policy: POLICY });
    admin = new UserAgent();
    csrf = csrfOf(await signIn(admin, 'root', '/admin/roles'));
    auditor = new UserAgent();
    await signIn(auditor, 'auditor');
  });

  describe('roles and rules', () => {
    it('saves a role\'s description, policy and longest session from its page, recording role.updated', async () => {
      const page = await get('/admin/roles/reader');
      const policy = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: 'arn:aws:s3:::docs/*' }] });
      const saved = await admin.submit(page, 'form#role-edit', { description: 'Reads docs', policy, max_duration: '7200' });
      expect(saved.status).toBe(303);
      expect(saved.location).toBe(url('/admin/roles/reader?notice=role_updated'));
      expect(await services().roles.getRole('reader')).toMatchObject({ description: 'Reads docs', max_duration_seconds: 7200, policy: JSON.parse(policy) });
      expect((await services().audit.query({ type: 'role.updated', limit: 5 })).events[0]).toMatchObject({ actor: { kind: 'admin' }, details: { role: 'reader' } });
    });

    it('brings an invalid policy or duration back on the role form with the field at fault, the role unchanged', async () => {
      const before = await services().roles.getRole('reader');
      const page = await get('/admin/roles/reader');
      const badPolicy = await admin.submit(page, 'form#role-edit', { description: 'Changed', policy: '{"Version":"2012-10-17","Statement":[{"Effect":"Maybe","Action":"s3:*","Resource":"*"}]}', max_duration: '3600' });
      expect(badPolicy.status).toBe(400);
      expect(fieldError(badPolicy, 'role-edit-policy')).toContain('Statement[0].Effect must be Allow or Deny');
      expect(html(badPolicy).querySelector('#role-edit-policy')?.getAttribute('aria-invalid')).toBe('true');
      expect(html(badPolicy).querySelector('#role-edit-description')?.getAttribute('value')).toBe('Changed');
      const badDuration = await admin.submit(page, 'form#role-edit', { description: 'Changed', policy: POLICY, max_duration: '5' });
      expect(badDuration.status).toBe(400);
      expect(fieldError(badDuration, 'role-edit-max-duration')).toMatch(/must be an integer from/);
      expect(await services().roles.getRole('reader')).toEqual(before);
    });

    it('adds rules at the end, removes one after its confirmation, and refuses a removal once the rules moved', async () => {
      const page = await get('/admin/roles');
      const first = await admin.submit(page, 'form#rule-add', { claim: 'groups', match: 'contains', value: 'editors', role: 'writer' });
      expect(first.location).toBe(url('/admin/roles?notice=rule_added'));
      await admin.submit(page, 'form#rule-add', { claim: 'custom:department', match: 'equals', value: 'docs', role: 'reader' });
      const rules = () => services().roles.poolSettings().then((pool) => pool.rules.map((r) => [r.position, r.claim, r.match_type, r.value, r.role_name]));
      expect(await rules()).toEqual([[1, 'groups', 'contains', 'editors', 'writer'], [2, 'custom:department', 'equals', 'docs', 'reader']]);
      const listed = await get('/admin/roles');
      expect(html(listed).querySelectorAll('#rules tbody tr')).toHaveLength(2);

      const confirm = await get('/admin/roles/rules/1/remove');
      expect(html(confirm).querySelector('#confirm-title')?.text).toContain('groups contains "editors" → writer');
      // Another administrator removes rule 1 first: the page's rule is no longer at position 1.
      const stale = await get('/admin/roles/rules/2/remove');
      const removed = await admin.submit(confirm, 'form#confirm-form');
      expect(removed.location).toBe(url('/admin/roles?notice=rule_removed'));
      expect((await admin.submit(stale, 'form#confirm-form')).status).toBe(404);
      await services().roles.addRule({ claim: 'groups', match: 'equals', value: 'x', role: 'writer' });
      expect((await admin.submit(stale, 'form#confirm-form')).status).toBe(409);
      expect(await rules()).toEqual([[1, 'custom:department', 'equals', 'docs', 'reader'], [2, 'groups', 'equals', 'x', 'writer']]);
      await services().roles.replaceMapping({ rules: [], defaultRole: null, ambiguousRoleResolution: 'deny' });
    });

    it('brings a refused rule back on its form with the field at fault, adding nothing', async () => {
      const page = await get('/admin/roles');
      const before = (await services().roles.poolSettings()).rules;
      const badClaim = await admin.submit(page, 'form#rule-add', { claim: 'no spaces allowed', match: 'equals', value: 'x', role: 'reader' });
      expect(badClaim.status).toBe(400);
      expect(fieldError(badClaim, 'rule-claim')).toBe('must be a claim name');
      expect(html(badClaim).querySelector('#rule-claim')?.getAttribute('value')).toBe('no spaces allowed');
      const unknownRole = await admin.submit(page, 'form#rule-add', { claim: 'groups', match: 'equals', value: 'x', role: 'ghost' });
      expect(unknownRole.status).toBe(404);
      expect(fieldError(unknownRole, 'rule-role')).toContain('no such role');
      expect((await services().roles.poolSettings()).rules).toEqual(before);
    });

    it('sets and clears the default role and the choice for several roles, and refuses an unknown default role', async () => {
      const page = await get('/admin/roles');
      expect((await admin.submit(page, 'form#default-role', { default_role: 'reader' })).location).toBe(url('/admin/roles?notice=default_role_set'));
      expect((await admin.submit(page, 'form#ambiguity', { mode: 'default_role' })).location).toBe(url('/admin/roles?notice=ambiguity_set'));
      expect(await services().roles.poolSettings()).toMatchObject({ default_role: 'reader', ambiguous_role_resolution: 'default_role' });
      const unknown = await admin.submit(page, 'form#default-role', { default_role: 'ghost' });
      expect(unknown.status).toBe(404);
      expect(fieldError(unknown, 'default-role')).toContain('no such role');
      expect((await admin.submit(page, 'form#ambiguity', { mode: 'maybe' })).status).toBe(400);
      expect(await services().roles.poolSettings()).toMatchObject({ default_role: 'reader', ambiguous_role_resolution: 'default_role' });
      await admin.submit(page, 'form#default-role', { default_role: '' });
      await admin.submit(page, 'form#ambiguity', { mode: 'deny' });
      expect(await services().roles.poolSettings()).toMatchObject({ default_role: null, ambiguous_role_resolution: 'deny' });
    });
  });

  describe('attribute schema', () => {
    const valueOf = async (user: string, name: string) => (await services().users.resolve(user)).custom_attributes[name];
    /** The whole change form as a browser sends it: unchecked boxes are absent. */
    const changeForm = (fields: Record<string, string>) => ({ csrf, type: 'string', mutable: 'on', ...fields });

    beforeAll(async () => {
      await services().attributes.add({ name: 'seats', type: 'string' });
      await services().users.create({ email: 'bo@example.com', username: 'bo', emailVerified: true, customAttributes: { seats: '12' } });
      await services().users.create({ email: 'cy@example.com', username: 'cy', emailVerified: true, customAttributes: { seats: 'many' } });
    });

    it('refuses a type change while a value would not convert, with the service\'s sentence, changing nothing', async () => {
      const page = await get('/admin/attributes/seats');
      expect(html(page).querySelector('#attribute-held')?.text).toContain('2 users hold a value');
      const refused = await post(admin, '/admin/attributes/seats/change', changeForm({ type: 'number' }));
      expect(refused.status).toBe(409);
      expect(alert(refused)).toMatch(/custom:seats/);
      expect(html(refused).querySelector('#attribute-change-type option[selected]')?.text).toBe('number');
      expect((await services().attributes.list()).find((a) => a.name === 'seats')).toMatchObject({ type: 'string' });
      expect(await valueOf('cy', 'seats')).toBe('many');
      expect((await services().audit.query({ type: 'attribute.changed', limit: 5 })).events).toEqual([]);
    });

    it('previews a type change with how many values would convert, changing nothing, then applies it', async () => {
      await services().users.update('cy', { customAttributes: { seats: '3' } }, { actor: 'admin' });
      const preview = await post(admin, '/admin/attributes/seats/change', changeForm({ type: 'number', min_value: '1', preview: 'on' }));
      expect(preview.status).toBe(200);
      expect(html(preview).querySelector('#attribute-preview-summary')?.text).toBe('2 users hold a value; 2 would be converted. Nothing is changed until you apply it.');
      expect(html(preview).querySelector('#attribute-preview')?.text).toContain('type: string → number');
      expect(await valueOf('bo', 'seats')).toBe('12');
      const applied = await post(admin, '/admin/attributes/seats/change', changeForm({ type: 'number', min_value: '1' }));
      expect(applied.location).toBe(url('/admin/attributes/seats?notice=attribute_changed'));
      expect((await services().attributes.list()).find((a) => a.name === 'seats')).toMatchObject({ type: 'number', min_value: 1, mutable: true });
      expect(await valueOf('bo', 'seats')).toBe(12);
      // Required while users hold no value: refused, as the service refuses it.
      expect((await post(admin, '/admin/attributes/seats/change', changeForm({ type: 'number', min_value: '1', required: 'on' }))).status).toBe(409);
      // An unticked box and an emptied bound are changes too: immutable, no lower bound.
      await post(admin, '/admin/attributes/seats/change', { csrf, type: 'number' });
      expect((await services().attributes.list()).find((a) => a.name === 'seats')).toMatchObject({ required: false, mutable: false, min_value: null });
      const badBound = await post(admin, '/admin/attributes/seats/change', changeForm({ type: 'number', min_value: '9', max_value: '2' }));
      expect(badBound.status).toBe(400);
      expect(fieldError(badBound, 'attribute-change-min-value')).toBe('must not exceed max_value');
    });

    it('renames an attribute, moving every value, and refuses a declared name on the rename field', async () => {
      await services().attributes.add({ name: 'tier', type: 'string' });
      const page = await get('/admin/attributes/seats');
      const taken = await admin.submit(page, 'form#attribute-rename', { to: 'tier' });
      expect(taken.status).toBe(409);
      expect(fieldError(taken, 'attribute-rename-to')).toContain('already declared');
      const renamed = await admin.submit(page, 'form#attribute-rename', { to: 'places' });
      expect(renamed.location).toBe(url('/admin/attributes/places?notice=attribute_renamed'));
      expect(await valueOf('bo', 'places')).toBe(12);
      expect((await services().attributes.list()).map((a) => a.name).sort()).toEqual(['places', 'tier']);
    });

    it('removes an attribute without values at once, and one holding values only with the second confirmation ticked', async () => {
      const emptyConfirm = await get('/admin/attributes/tier/remove');
      expect(html(emptyConfirm).querySelector('#confirm-check')).toBeNull();
      expect((await admin.submit(emptyConfirm, 'form#confirm-form')).location).toBe(url('/admin/attributes?notice=attribute_removed'));

      const confirm = await get('/admin/attributes/places/remove');
      expect(html(confirm).querySelector('#confirm-form')?.parentNode?.text).toContain('2 users hold a value: removing the attribute deletes 2 values.');
      expect(html(confirm).querySelector('#confirm-check')?.getAttribute('name')).toBe('force');
      const unticked = await post(admin, '/admin/attributes/places/remove', { csrf });
      expect(unticked.status).toBe(409);
      expect(alert(unticked)).toContain('still holds values');
      expect(await valueOf('bo', 'places')).toBe(12);
      const forced = await post(admin, '/admin/attributes/places/remove', { csrf, force: 'on' });
      expect(forced.location).toBe(url('/admin/attributes?notice=attribute_removed'));
      expect(await services().attributes.list()).toEqual([]);
      expect(await valueOf('bo', 'places')).toBeUndefined();
      expect((await services().audit.query({ type: 'attribute.removed', limit: 5 })).events.map((e) => e.details)).toEqual([
        { name: 'custom:places', values_deleted: 2 }, { name: 'custom:tier', values_deleted: 0 },
      ]);
    });
  });

  describe('audit log', () => {
    it('filters the audit log by outcome, and keeps the filter on the next page\'s link', async () => {
      for (let i = 0; i < 51; i += 1) await services().audit.record({ type: 'sign_in.password', outcome: 'failure', details: { reason: 'wrong_password' } });
      const outcomes = (page: PageResponse) => html(page).querySelectorAll('#audit-events tbody tr td:nth-child(3)').map((cell) => cell.text);
      const failures = await get('/admin/audit?outcome=failure');
      expect(failures.status).toBe(200);
      expect(outcomes(failures)).toEqual(Array(50).fill('failure'));
      expect(html(failures).querySelector('#audit-outcome option[selected]')?.getAttribute('value')).toBe('failure');
      const next = html(failures).querySelector('#audit-next')?.getAttribute('href') ?? '';
      expect(new URL(next, url('/')).searchParams.get('outcome')).toBe('failure');
      expect(outcomes(await get(next))).toContain('failure');
      const successes = outcomes(await get('/admin/audit?outcome=success'));
      expect(successes.length).toBeGreaterThan(0);
      expect(new Set(successes)).toEqual(new Set(['success']));
      await services().audit.record({ type: 'sign_in.password', outcome: 'success', details: {} });
      expect(new Set(outcomes(await get('/admin/audit?outcome=')))).toEqual(new Set(['success', 'failure']));
      expect((await get('/admin/audit?outcome=maybe')).status).toBe(400);
    });
  });

  describe('self-lockout guard', () => {
    it('refuses to let an administrator disable or delete their own account, saying who can, and changes nothing', async () => {
      const root = await services().users.resolve('root');
      const own = await get(`/admin/users/${root.id}`);
      expect(own.status).toBe(200);
      expect(html(own).querySelector('#user-delete')).toBeNull();
      expect(html(own).querySelectorAll('#user-actions button').map((b) => b.text)).not.toContain('Disable');
      expect(html(own).querySelector('#user-own')?.text).toContain('ask another administrator');
      for (const [path, method] of [[`/admin/users/${root.id}/disable`, 'POST'], [`/admin/users/${root.id}/delete`, 'POST'], [`/admin/users/${root.id}/delete`, 'GET']] as const) {
        const refused = method === 'POST' ? await post(admin, path, { csrf }) : await get(path);
        expect(refused.status, path).toBe(403);
        expect(alert(refused), path).toMatch(/your own account.*another administrator.*latchkey command/);
      }
      expect(await services().users.findById(root.id)).toMatchObject({ enabled: true });
      expect((await services().audit.query({ subjectId: root.id, type: 'user.', limit: 10 })).events.map((e) => e.type)).not.toContain('user.disabled');
      // Another administrator's account is still theirs to disable.
      const other = await services().users.resolve('auditor');
      expect(html(await get(`/admin/users/${other.id}`)).querySelectorAll('#user-actions button').map((b) => b.text)).toContain('Disable');
    });
  });

  describe('access to the new forms', () => {
    const changes = (): { path: string; fields: Record<string, string> }[] => [
      { path: '/admin/roles/reader/edit', fields: { description: 'x', policy: POLICY, max_duration: '900' } },
      { path: '/admin/roles/rules', fields: { claim: 'groups', match: 'equals', value: 'y', role: 'reader' } },
      { path: '/admin/roles/rules/1/remove', fields: { claim: 'groups', match: 'equals', value: 'kept', role: 'reader' } },
      { path: '/admin/roles/default', fields: { default_role: 'writer' } },
      { path: '/admin/roles/ambiguity', fields: { mode: 'default_role' } },
      { path: '/admin/attributes/dept/change', fields: { type: 'number', preview: 'on' } },
      { path: '/admin/attributes/dept/change', fields: { type: 'string', required: 'on' } },
      { path: '/admin/attributes/dept/rename', fields: { to: 'division' } },
      { path: '/admin/attributes/dept/remove', fields: { force: 'on' } },
    ];
    const state = async () => [await services().roles.listRoles(), await services().roles.poolSettings(), await services().attributes.list(), (await services().users.resolve('bo')).custom_attributes];

    beforeAll(async () => {
      await services().roles.addRule({ claim: 'groups', match: 'equals', value: 'kept', role: 'reader' });
      await services().attributes.add({ name: 'dept', type: 'string' });
      await services().users.update('bo', { customAttributes: { dept: 'docs' } }, { actor: 'admin' });
    });
    afterAll(async () => {
      await services().roles.replaceMapping({ rules: [], defaultRole: null, ambiguousRoleResolution: 'deny' });
      await services().attributes.remove('dept', { force: true });
    });

    it('shows a read-only member the new pages without forms, and refuses their changes with a 403, even with a valid token', async () => {
      for (const path of ['/admin/roles', '/admin/roles/reader', '/admin/roles/rules/1/remove', '/admin/attributes', '/admin/attributes/dept', '/admin/attributes/dept/remove']) {
        const page = await auditor.request(url(path));
        expect(page.status, path).toBe(200);
        expect(html(page).querySelectorAll('form[method="post"]'), path).toHaveLength(0);
      }
      const before = await state();
      for (const { path, fields } of changes()) {
        const refused = await post(auditor, path, { ...fields, csrf });
        expect(refused.status, path).toBe(403);
        expect(alert(refused), path).toContain('read-only');
      }
      expect(await state()).toEqual(before);
    });

    it('refuses every new form without the console\'s CSRF token, changing nothing', async () => {
      const before = await state();
      for (const { path, fields } of changes()) {
        expect((await post(admin, path, fields)).status, path).toBe(403);
        expect((await post(admin, path, { ...fields, csrf: 'forged' })).status, path).toBe(403);
      }
      expect(await state()).toEqual(before);
    });
  });
});
