import { parse } from 'node-html-parser';
import { beforeAll, describe, expect, it } from 'vitest';
import { currentBackend } from '../support/backend.js';
import { PASSWORD } from '../support/fixtures.js';
import { useTestServer } from '../support/harness.js';
import { UserAgent, type PageResponse } from '../support/user-agent.js';

/**
 * Who may reach the admin console at /admin, route by route: an anonymous visitor is sent through the
 * sign-in (and brought back), a signed-in user outside the admin group gets a 403 page, a read-only member
 * sees every page but every change is refused with a 403 and changes nothing, and every change needs the
 * console's CSRF token. Membership is read at each request, so a revocation takes effect at once.
 */
describe(`admin console access (${currentBackend()})`, () => {
  const ctx = useTestServer();
  const url = (path: string) => `${ctx.server.issuer}${path}`;
  let targetId: string;
  let clientId: string;
  let gets: string[];
  let posts: { path: string; fields: Record<string, string> }[];

  beforeAll(async () => {
    const { services } = ctx.server.latchkey;
    for (const username of ['root', 'auditor', 'outsider', 'later']) {
      await services.users.create({ username, email: `${username}@example.com`, emailVerified: true, password: PASSWORD });
    }
    await services.admins.grant('root', 'admin');
    await services.admins.grant('auditor', 'read');
    await services.admins.grant('later', 'admin');
    targetId = (await services.users.create({ username: 'target', email: 'target@example.com', emailVerified: true, password: PASSWORD })).id;
    await services.roles.createRole({ name: 'reader', policy: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3:GetObject'], Resource: ['arn:aws:s3:::docs/*'] }] }) });
    await services.groups.create({ name: 'staff' });
    await services.providers.add({ name: 'corp', issuer: 'https://login.example.com', clientId: 'corp-client', clientSecret: 'corp-secret' });
    clientId = (await services.clients.create({ name: 'Console Test App', redirectUris: ['https://app.example.com/callback'] })).client_id;
    gets = [
      '/admin', '/admin/users', `/admin/users/${targetId}`, `/admin/users/${targetId}/delete`, '/admin/audit',
      '/admin/groups', '/admin/groups/staff', '/admin/groups/staff/delete', '/admin/clients', `/admin/clients/${clientId}`, `/admin/clients/${clientId}/delete`,
      '/admin/roles', '/admin/roles/reader', '/admin/roles/reader/delete',
      '/admin/providers', '/admin/providers/corp', '/admin/providers/corp/remove', '/admin/attributes',
    ];
    posts = [
      ...['disable', 'enable', 'require-reset', 'reset-mfa', 'sign-out', 'delete'].map((action) => ({ path: `/admin/users/${targetId}/${action}`, fields: {} })),
      { path: `/admin/users/${targetId}/groups/add`, fields: { group: 'staff' } },
      { path: `/admin/users/${targetId}/groups/remove`, fields: { group: 'staff' } },
      { path: `/admin/users/${targetId}/identities/unlink`, fields: { provider: 'corp' } },
      { path: `/admin/users/${targetId}/apps/sign-out`, fields: { grant: 'some-grant' } },
      { path: '/admin/groups', fields: { name: 'made-by-console' } },
      { path: '/admin/groups/staff/edit', fields: { description: 'changed', precedence: '7' } },
      { path: '/admin/groups/staff/delete', fields: {} },
      { path: `/admin/clients/${clientId}/rotate-secret`, fields: { grace: '0' } },
      { path: '/admin/clients', fields: { name: 'Made by console', redirect_uris: 'https://x.example.com/cb' } },
      { path: `/admin/clients/${clientId}/delete`, fields: {} },
      { path: '/admin/roles', fields: { name: 'made-by-console', policy: '{}' } },
      { path: '/admin/roles/reader/delete', fields: {} },
      { path: '/admin/roles/reader/edit', fields: { description: 'changed', policy: '{}', max_duration: '900' } },
      { path: '/admin/roles/rules', fields: { claim: 'groups', match: 'equals', value: 'staff', role: 'reader' } },
      { path: '/admin/roles/rules/1/remove', fields: { claim: 'groups', match: 'equals', value: 'staff', role: 'reader' } },
      { path: '/admin/roles/default', fields: { default_role: 'reader' } },
      { path: '/admin/roles/ambiguity', fields: { mode: 'default_role' } },
      { path: '/admin/providers/corp/remove', fields: {} },
      { path: '/admin/attributes', fields: { name: 'made_by_console', type: 'string' } },
      { path: '/admin/attributes/made_by_console/change', fields: { type: 'number' } },
      { path: '/admin/attributes/made_by_console/rename', fields: { to: 'renamed' } },
      { path: '/admin/attributes/made_by_console/remove', fields: { force: 'on' } },
    ];
  });

  /** Opens `path` signed out, signs in on the hosted login page and follows the way back. */
  async function signIn(agent: UserAgent, username: string, path = '/admin'): Promise<PageResponse> {
    const login = await agent.navigate(url(path));
    expect(login.url).toMatch(/\/interaction\//);
    return agent.follow(await agent.submit(login, 'form#login-form', { username, password: PASSWORD }));
  }
  const csrfOf = (page: PageResponse) => parse(page.html).querySelector('input[name="csrf"]')?.getAttribute('value') ?? '';
  const post = (agent: UserAgent, path: string, fields: Record<string, string>) => agent.request(url(path), { method: 'POST', body: new URLSearchParams(fields) });

  /** Nothing any refused POST of the matrix could have changed has changed. */
  async function expectNothingChanged(): Promise<void> {
    const { services } = ctx.server.latchkey;
    const target = await services.users.findById(targetId);
    expect(target).toMatchObject({ enabled: true, status: 'confirmed' });
    expect(await services.groups.namesOf(targetId)).toEqual([]);
    expect((await services.groups.list()).map((g) => [g.name, g.description, g.precedence])).toEqual([['staff', '', 0]]);
    expect((await services.audit.query({ type: 'client.secret_rotated', limit: 50 })).events.filter((e) => e.clientId === clientId)).toEqual([]);
    expect(await services.clients.find(clientId)).toBeDefined();
    expect((await services.clients.list()).some((c) => c.name === 'Made by console')).toBe(false);
    expect((await services.roles.listRoles()).map((r) => [r.name, r.description])).toEqual([['reader', '']]);
    expect(await services.roles.poolSettings()).toEqual({ default_role: null, ambiguous_role_resolution: 'deny', rules: [] });
    expect((await services.providers.list()).map((p) => p.name)).toEqual(['corp']);
    expect(await services.attributes.list()).toEqual([]);
  }

  it('sends an anonymous visitor of every console route to the sign-in, changing nothing', async () => {
    const agent = new UserAgent();
    for (const path of gets) {
      const response = await agent.request(url(path));
      expect(response.status, path).toBe(303);
      expect(response.location, path).toBe(url(`/admin/sign-in?return=${encodeURIComponent(path)}`));
    }
    for (const { path, fields } of posts) {
      const response = await post(agent, path, fields);
      expect(response.status, path).toBe(303);
      expect(response.location, path).toBe(url('/admin/sign-in?return=%2Fadmin'));
    }
    await expectNothingChanged();
  });

  it('brings a member back to the page they opened after the sign-in, with no-store, DENY and a script-free CSP', async () => {
    const agent = new UserAgent();
    const page = await signIn(agent, 'root', '/admin/users');
    expect(page.url).toBe(url('/admin/users'));
    expect(page.status).toBe(200);
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("form-action 'self'");
    expect(csp).not.toContain('script-src');
    expect(parse(page.html).querySelector('#user-results')?.text).toContain('target');
  });

  it('never returns to a page outside the console after the sign-in (no open redirect)', async () => {
    const agent = new UserAgent();
    const start = await agent.request(url(`/admin/sign-in?return=${encodeURIComponent('//evil.example/admin')}`));
    expect(start.status).toBe(303);
    const login = await agent.follow(start);
    const back = await agent.follow(await agent.submit(login, 'form#login-form', { username: 'root', password: PASSWORD }));
    expect(back.url).toBe(url('/admin'));
  });

  it('refuses a signed-in user outside the admin group on every route with a 403 page, changing nothing', async () => {
    const agent = new UserAgent();
    const first = await signIn(agent, 'outsider');
    expect(first.status).toBe(403);
    expect(parse(first.html).querySelector('[role="alert"]')?.text).toContain('not in the admin group');
    for (const path of gets) expect((await agent.request(url(path))).status, path).toBe(403);
    for (const { path, fields } of posts) expect((await post(agent, path, { ...fields, csrf: 'x' })).status, path).toBe(403);
    await expectNothingChanged();
  });

  it('shows a read-only member every page without change buttons, and refuses every change with a 403 even with a valid token', async () => {
    const agent = new UserAgent();
    await signIn(agent, 'auditor');
    for (const path of gets) {
      const page = await agent.request(url(path));
      expect(page.status, path).toBe(200);
      expect(parse(page.html).querySelectorAll('form[method="post"]'), path).toHaveLength(0);
    }
    // A token is never shown to a read-only member; the one of a full member's session is no use either.
    const rootAgent = new UserAgent();
    const csrf = csrfOf(await signIn(rootAgent, 'root', `/admin/users/${targetId}`));
    for (const { path, fields } of posts) {
      const refused = await post(agent, path, { ...fields, csrf });
      expect(refused.status, path).toBe(403);
      expect(parse(refused.html).querySelector('[role="alert"]')?.text, path).toContain('read-only');
    }
    await expectNothingChanged();
  });

  it('refuses a change without the CSRF token, or with another session\'s, and makes it with its own, recording it as the admin', async () => {
    const agent = new UserAgent();
    const page = await signIn(agent, 'root', `/admin/users/${targetId}`);
    expect((await post(agent, `/admin/users/${targetId}/disable`, {})).status).toBe(403);
    const other = new UserAgent();
    const otherCsrf = csrfOf(await signIn(other, 'later', `/admin/users/${targetId}`));
    expect((await post(agent, `/admin/users/${targetId}/disable`, { csrf: otherCsrf })).status).toBe(403);
    await expectNothingChanged();

    const done = await post(agent, `/admin/users/${targetId}/disable`, { csrf: csrfOf(page) });
    expect(done.status).toBe(303);
    expect(done.location).toBe(url(`/admin/users/${targetId}?notice=disabled`));
    const { services } = ctx.server.latchkey;
    expect((await services.users.findById(targetId))?.enabled).toBe(false);
    const root = await services.users.resolve('root');
    const { events } = await services.audit.query({ subjectId: targetId, type: 'user.disabled', limit: 5 });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ actor: { kind: 'admin', id: root.id }, clientId: 'latchkey-admin', outcome: 'success' });
    const enabled = await post(agent, `/admin/users/${targetId}/enable`, { csrf: csrfOf(page) });
    expect(enabled.status).toBe(303);
    expect((await services.users.findById(targetId))?.enabled).toBe(true);
  });

  it('shows a rotated client secret once, on the answer to the form, and never on the client\'s page', async () => {
    const rotating = (await ctx.server.latchkey.services.clients.create({ name: 'Rotating App', redirectUris: ['https://rotating.example.com/cb'] })).client_id;
    const agent = new UserAgent();
    const page = await signIn(agent, 'root', `/admin/clients/${rotating}`);
    const answer = await agent.submit(page, 'form#client-rotate', { grace: '3600' });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('cache-control')).toBe('no-store');
    const secret = parse(answer.html).querySelector('#client-secret')?.text ?? '';
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(parse(answer.html).querySelector('#client-previous-secret')?.text).toContain('keeps working until');
    expect((await agent.request(url(`/admin/clients/${rotating}`))).html).not.toContain(secret);
    const { events } = await ctx.server.latchkey.services.audit.query({ type: 'client.secret_rotated', limit: 5 });
    expect(events.map((e) => [e.clientId, e.actor.kind])).toEqual([[rotating, 'admin']]);
  });

  it('edits a group and deletes it after the confirmation step, each change audited', async () => {
    const { services } = ctx.server.latchkey;
    await services.groups.create({ name: 'temp.team' });
    const agent = new UserAgent();
    const page = await signIn(agent, 'root', '/admin/groups/temp.team');
    expect(page.status).toBe(200);
    const saved = await agent.submit(page, 'form#group-edit', { description: 'Temporary', precedence: '5', role: 'reader' });
    expect(saved.location).toBe(url('/admin/groups/temp.team?notice=group_updated'));
    expect(await services.groups.get('temp.team')).toMatchObject({ description: 'Temporary', precedence: 5, role_name: 'reader' });
    const refused = await agent.submit(page, 'form#group-edit', { precedence: 'many' });
    expect(refused.status).toBe(400);
    const confirm = await agent.navigate(url('/admin/groups/temp.team/delete'));
    const deleted = await agent.submit(confirm, 'form#confirm-form');
    expect(deleted.location).toBe(url('/admin/groups?notice=group_deleted'));
    expect((await services.groups.list()).map((g) => g.name)).toEqual(['staff']);
    expect((await services.audit.query({ type: 'group.', limit: 10 })).events.map((e) => e.type)).toEqual(['group.deleted', 'group.updated', 'group.created', 'group.created']);
  });

  it('charts the last day\'s sign-ins by hour and outcome, the same numbers in the table and the summary', async () => {
    const { services } = ctx.server.latchkey;
    await services.audit.record({ type: 'sign_in.password', outcome: 'failure', details: { reason: 'wrong_password' } });
    const agent = new UserAgent();
    const page = await signIn(agent, 'root');
    const html = parse(page.html);
    const since = new Date(Date.now() - 24 * 3_600_000);
    const stored = await services.audit.signInsByHour(since);
    const total = (outcome: string) => stored.filter((row) => row.outcome === outcome).reduce((sum, row) => sum + row.count, 0);
    expect(total('failure')).toBeGreaterThan(0);
    expect(html.querySelector('#dash-activity-summary')?.text).toBe(`${total('success')} successful, ${total('failure')} failed.`);
    const rows = html.querySelectorAll('#dash-activity-table tbody tr').map((row) => row.querySelectorAll('th, td').map((cell) => cell.text));
    expect(rows).toHaveLength(24);
    const current = `${new Date().toISOString().slice(11, 13)}:00 UTC`;
    expect(rows[23]![0]).toBe(current);
    expect(rows.reduce((sum, row) => sum + Number(row[2]), 0)).toBe(total('failure'));
    expect(html.querySelectorAll('svg.lk-chart rect.lk-chart-failure').length).toBeGreaterThan(0);
    expect(html.querySelector('svg.lk-chart')?.getAttribute('aria-labelledby')).toBe('chart-title chart-desc');
  });

  it('declares an attribute from the console and refuses a name declared already, keeping it as it was', async () => {
    const { services } = ctx.server.latchkey;
    const agent = new UserAgent();
    const page = await signIn(agent, 'root', '/admin/attributes');
    const added = await agent.submit(page, 'form#attribute-add', { name: 'nickname', type: 'string' });
    expect(added.location).toBe(url('/admin/attributes?notice=attribute_added'));
    const again = await agent.submit(page, 'form#attribute-add', { name: 'nickname', type: 'number', required: 'on' });
    expect(again.status).toBe(409);
    expect(parse(again.html).querySelector('[role="alert"]')?.text).toContain('already declared');
    expect((await services.attributes.list()).map((a) => [a.name, a.type])).toEqual([['nickname', 'string']]);
    await services.attributes.remove('nickname');
  });

  it('closes the console to a member at their next request once they are revoked', async () => {
    const agent = new UserAgent();
    const page = await signIn(agent, 'later');
    expect(page.status).toBe(200);
    await ctx.server.latchkey.services.admins.revoke('later');
    expect((await agent.request(url('/admin'))).status).toBe(403);
    expect((await post(agent, `/admin/users/${targetId}/disable`, { csrf: csrfOf(page) })).status).toBe(403);
    await expectNothingChanged();
  });
});
