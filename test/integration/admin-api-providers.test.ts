import { parse } from 'node-html-parser';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { currentBackend } from '../support/backend.js';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.js';
import { REDIRECT_URI } from '../support/fixtures.js';
import { openLoginPage } from '../support/flows.js';
import { discover, useTestServer } from '../support/harness.js';
import { AdminApiClient, clientToken } from '../support/admin-api.js';
import { UserAgent } from '../support/user-agent.js';

interface Rule { id: string; provider: string; claim: string; value: string; group: string }

/** Upstream providers and their group rules through the admin API, proven by real federated sign-ins. */
describe(`admin API: providers and group rules (${currentBackend()})`, () => {
  const ctx = useTestServer();
  let api: AdminApiClient;
  let corp: FakeUpstream;
  let app: oidc.Configuration;

  beforeAll(async () => {
    const { services } = ctx.server.latchkey;
    corp = await startFakeUpstream({ name: 'corp', redirectUris: [`${ctx.server.issuer}/federation/callback/corp`], openidClaims: ['groups'] });
    await services.groups.create({ name: 'engineers' });
    app = await discover(ctx.server, await services.clients.create({ name: 'Mapped App', redirectUris: [REDIRECT_URI], firstParty: true }));
    api = new AdminApiClient(ctx.server, (await clientToken(ctx.server, 'admin')).token);
  });
  afterAll(async () => {
    await corp?.stop();
  });

  /** Signs in through corp as `account` with `groups`; returns the ID token's groups. */
  async function signIn(account: string, groups: string[]): Promise<unknown> {
    corp.next({ account, claims: { email: `${account}@example.com`, email_verified: true, groups } });
    const agent = new UserAgent();
    const { page, verifier } = await openLoginPage(agent, app);
    const href = parse(page.html).querySelector('a#federation-corp')?.getAttribute('href');
    expect(href).toBeDefined();
    const step = await agent.navigate(new URL(href!, page.url).toString(), REDIRECT_URI);
    expect(step.location, step.html.slice(0, 300)).toMatch(/\?code=/);
    const tokens = await oidc.authorizationCodeGrant(app, new URL(step.location!), { pkceCodeVerifier: verifier });
    return tokens.claims()!.groups;
  }

  it('adds a provider (201) whose secret never appears in an answer, gets and lists it, and refuses its name again with 409', async () => {
    const added = await api.call('POST', '/providers', { name: 'corp', issuer: corp.issuer, client_id: corp.clientId, client_secret: corp.clientSecret, display_name: 'Corp SSO' });
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ name: 'corp', display_name: 'Corp SSO', issuer: corp.issuer, has_client_secret: true, scopes: 'openid email profile', trusts_email_verification: false });
    const shown = await api.call('GET', '/providers/corp');
    const listed = await api.call('GET', '/providers');
    for (const answer of [added, shown, listed]) expect(JSON.stringify(answer.body)).not.toContain(corp.clientSecret);
    for (const provider of [added.body, shown.body, ...(listed.body as { providers: unknown[] }).providers]) expect(provider).not.toHaveProperty('client_secret');
    expect(listed.body).toMatchObject({ providers: [{ name: 'corp' }] });
    const again = await api.call('POST', '/providers', { name: 'corp', issuer: corp.issuer, client_id: 'other' });
    expect(again.status).toBe(409);
  });

  it('refuses invalid providers and rules with 400 naming each field', async () => {
    const schema = await api.call('POST', '/providers', { name: 'x', issuer: 42, secret: 's' });
    expect(schema.status).toBe(400);
    expect((schema.body as { error: { details: { path: string }[] } }).error.details.map((d) => d.path).sort()).toEqual(['body', 'body.client_id', 'body.issuer']);
    const rules = await api.call('POST', '/providers', { name: 'Bad_Name', issuer: 'https://idp.example', client_id: 'c', scope: 'email' });
    expect(rules.status).toBe(400);
    expect(rules.body).toMatchObject({ error: { details: [{ path: 'name' }, { path: 'scope' }] } });
    const plain = await api.call('POST', '/providers', { name: 'plain', issuer: 'http://idp.example', client_id: 'c' });
    expect(plain.body).toMatchObject({ error: { details: [{ path: 'issuer', message: 'must be an https URL' }] } });
    const rule = await api.call('POST', '/providers/corp/group-rules', { claim: 'bad claim!', value: 'x', group: 'engineers' });
    expect(rule.status).toBe(400);
    expect(rule.body).toMatchObject({ error: { details: [{ path: 'claim' }] } });
    expect((await api.call('POST', '/providers/corp/group-rules', { claim: 'groups', group: 'engineers' })).body).toMatchObject({ error: { details: [{ path: 'body.value' }] } });
  });

  it('answers 404 for an unknown provider, group or rule', async () => {
    expect((await api.call('GET', '/providers/nowhere')).status).toBe(404);
    expect((await api.call('DELETE', '/providers/nowhere')).status).toBe(404);
    expect((await api.call('GET', '/providers/nowhere/group-rules')).status).toBe(404);
    expect((await api.call('POST', '/providers/nowhere/group-rules', { claim: 'groups', value: 'x', group: 'engineers' })).status).toBe(404);
    expect((await api.call('POST', '/providers/corp/group-rules', { claim: 'groups', value: 'x', group: 'no-group' })).status).toBe(404);
    expect((await api.call('DELETE', '/providers/corp/group-rules/00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect((await api.call('DELETE', '/providers/corp/group-rules/not-an-id')).status).toBe(404);
  });

  it('adds a group rule (201, 409 twice) that a sign-in applies, and removes it (204) so the next sign-in withdraws the group', async () => {
    const added = await api.call('POST', '/providers/corp/group-rules', { claim: 'groups', value: 'eng', group: 'engineers' });
    expect(added.status).toBe(201);
    const rule = added.body as Rule;
    expect(rule).toMatchObject({ provider: 'corp', claim: 'groups', value: 'eng', group: 'engineers' });
    expect((await api.call('POST', '/providers/corp/group-rules', { claim: 'groups', value: 'eng', group: 'engineers' })).status).toBe(409);
    expect((await api.call('GET', '/providers/corp/group-rules')).body).toEqual({ rules: [expect.objectContaining({ id: rule.id })] });

    expect(await signIn('dana', ['eng'])).toEqual(['engineers']);
    expect((await api.call('DELETE', `/providers/corp/group-rules/${rule.id}`)).status).toBe(204);
    expect((await api.call('GET', '/providers/corp/group-rules')).body).toEqual({ rules: [] });
    expect(await signIn('dana', ['eng'])).toEqual([]);
  });

  it('does not remove another provider\'s rule named under this provider\'s path', async () => {
    await api.call('POST', '/providers', { name: 'other', issuer: 'https://other.example', client_id: 'c' });
    const rule = (await api.call('POST', '/providers/corp/group-rules', { claim: 'groups', value: 'ops', group: 'engineers' })).body as Rule;
    expect((await api.call('DELETE', `/providers/other/group-rules/${rule.id}`)).status).toBe(404);
    expect(await ctx.server.latchkey.services.groupMapping.listRules('corp')).toEqual([expect.objectContaining({ id: rule.id })]);
  });

  it('removes a provider (204): its button goes, its users stay', async () => {
    expect((await api.call('DELETE', '/providers/corp')).status).toBe(204);
    expect((await api.call('GET', '/providers/corp')).status).toBe(404);
    expect(await ctx.server.latchkey.services.providers.buttons()).toEqual([{ name: 'other', displayName: 'other' }]);
    const { rows } = await ctx.server.db.query<{ n: number }>('SELECT count(*)::int AS n FROM federated_identities i JOIN users u ON u.id = i.user_id WHERE i.provider = $1', ['corp']);
    expect(rows[0]!.n).toBe(1);
  });
});
