import { decodeJwt } from 'jose';
import { parse } from 'node-html-parser';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { currentBackend } from '../support/backend.js';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.js';
import { REDIRECT_URI } from '../support/fixtures.js';
import { openLoginPage } from '../support/flows.js';
import { discover, useTestServer } from '../support/harness.js';
import { runCli } from '../support/processes.js';
import { TEST_SECRET } from '../support/test-server.js';
import { UserAgent } from '../support/user-agent.js';

// Entra puts group object ids in the `groups` claim.
const ENGINEERS_ID = '5b4f8a1e-2d3c-4b6a-9e8f-0a1b2c3d4e5f';
const OPS_ID = '6c5f9b2f-3e4d-4c7b-8f90-1b2c3d4e5f60';
const STAFF_ID = '7d6a0c30-4f5e-4d8c-9a01-2c3d4e5f6071';

/**
 * Group mapping: an upstream's `groups` claim (an array, as Entra sends it) puts the federated user in local
 * groups at sign-in; a later sign-in withdraws what no longer matches, never a hand-granted membership.
 */
describe(`federation group mapping (${currentBackend()})`, () => {
  const ctx = useTestServer();
  let corp: FakeUpstream;
  let app: oidc.Configuration;
  let env: Record<string, string>;

  beforeAll(async () => {
    const { services } = ctx.server.latchkey;
    corp = await startFakeUpstream({ name: 'corp', redirectUris: [`${ctx.server.issuer}/federation/callback/corp`], openidClaims: ['groups'] });
    await services.providers.add({ name: 'corp', issuer: corp.issuer, clientId: corp.clientId, clientSecret: corp.clientSecret, displayName: 'Corp SSO' });
    for (const name of ['engineers', 'ops', 'staff', 'unmapped']) await services.groups.create({ name });
    app = await discover(ctx.server, await services.clients.create({ name: 'Mapped App', redirectUris: [REDIRECT_URI], firstParty: true }));
    env = { ...ctx.database.env, LATCHKEY_SECRET: TEST_SECRET, LOG_LEVEL: 'warn' };
  });
  afterAll(async () => {
    await corp?.stop();
  });

  /** Signs in through corp as `account` with `groups` (or Entra's overage pointer instead); returns the ID token's and the access token's claims. */
  async function signIn(account: string, groups: string[] | 'overage') {
    const membership = groups === 'overage'
      ? { _claim_names: { groups: 'src1' }, _claim_sources: { src1: { endpoint: 'https://graph.microsoft.com/v1.0/users/x/getMemberObjects' } } }
      : { groups };
    corp.next({ account, claims: { email: `${account}@example.com`, email_verified: true, ...membership } });
    const agent = new UserAgent();
    const { page, verifier } = await openLoginPage(agent, app);
    const href = parse(page.html).querySelector('a#federation-corp')?.getAttribute('href');
    expect(href).toBeDefined();
    const step = await agent.navigate(new URL(href!, page.url).toString(), REDIRECT_URI);
    expect(step.location, step.html.slice(0, 300)).toMatch(/\?code=/);
    const tokens = await oidc.authorizationCodeGrant(app, new URL(step.location!), { pkceCodeVerifier: verifier });
    return { id: tokens.claims()!, access: decodeJwt(tokens.access_token) };
  }

  async function memberships(userId: string): Promise<{ name: string; granted_by_provider: string | null }[]> {
    const { rows } = await ctx.server.db.query<{ name: string; granted_by_provider: string | null }>(
      'SELECT g.name, m.granted_by_provider FROM group_members m JOIN groups g ON g.id = m.group_id WHERE m.user_id = $1 ORDER BY g.name',
      [userId],
    );
    return rows;
  }

  it('grants the groups whose rule values the groups array holds at the first sign-in, in the ID and access tokens', async () => {
    const { groupMapping } = ctx.server.latchkey.services;
    await groupMapping.addRule({ provider: 'corp', claim: 'groups', value: ENGINEERS_ID, group: 'engineers' });
    await groupMapping.addRule({ provider: 'corp', claim: 'groups', value: OPS_ID, group: 'ops' });
    await groupMapping.addRule({ provider: 'corp', claim: 'groups', value: STAFF_ID, group: 'staff' });

    const first = await signIn('dana', [ENGINEERS_ID, OPS_ID, 'some-other-group']);
    expect(first.id.groups).toEqual(['engineers', 'ops']);
    expect(first.access.groups).toEqual(['engineers', 'ops']);
    expect(await memberships(first.id.sub)).toEqual([
      { name: 'engineers', granted_by_provider: 'corp' },
      { name: 'ops', granted_by_provider: 'corp' },
    ]);
  });

  it('withdraws a rule-granted membership when a later sign-in lacks the value, keeping the ones an administrator granted by hand', async () => {
    const { services } = ctx.server.latchkey;
    const first = await signIn('erin', [ENGINEERS_ID, OPS_ID, STAFF_ID]);
    const userId = first.id.sub;
    // staff: taken away and granted again by hand, so the existing hand-granted membership meets the rule.
    await services.groups.removeUser('staff', userId);
    await services.groups.addUser('staff', userId);
    expect(await memberships(userId)).toContainEqual({ name: 'staff', granted_by_provider: null });
    // ops was granted by the rule; an administrator adding it by hand makes it theirs.
    const handAdded = await runCli(['--json', 'group', 'add-user', 'ops', userId], env);
    expect(handAdded.code, handAdded.stderr).toBe(0);
    expect(await memberships(userId)).toContainEqual({ name: 'ops', granted_by_provider: null });

    const later = await signIn('erin', ['some-other-group']);
    expect(later.id.sub).toBe(userId);
    expect(later.id.groups).toEqual(['ops', 'staff']);
    expect(later.access.groups).toEqual(['ops', 'staff']);
    expect(await memberships(userId)).toEqual([
      { name: 'ops', granted_by_provider: null },
      { name: 'staff', granted_by_provider: null },
    ]);

    // Back in the Entra group: granted again.
    const again = await signIn('erin', [ENGINEERS_ID]);
    expect(again.id.groups).toEqual(['engineers', 'ops', 'staff']);
  });

  it('keeps rule-granted memberships when the token defers groups to another source (Entra overage), withdrawing them once groups is back without the value', async () => {
    const first = await signIn('gail', [ENGINEERS_ID]);
    expect(first.id.groups).toEqual(['engineers']);
    const overage = await signIn('gail', 'overage');
    expect(overage.id.sub).toBe(first.id.sub);
    expect(overage.id.groups).toEqual(['engineers']);
    const later = await signIn('gail', []);
    expect(later.id.groups).toEqual([]);
  });

  it('withdraws the memberships of a removed rule at the next sign-in', async () => {
    const { groupMapping } = ctx.server.latchkey.services;
    const first = await signIn('frank', [ENGINEERS_ID]);
    expect(first.id.groups).toEqual(['engineers']);
    const rule = (await groupMapping.listRules('corp')).find((r) => r.group === 'engineers')!;
    await groupMapping.removeRule(rule.id);
    const later = await signIn('frank', [ENGINEERS_ID]);
    expect(later.id.groups ?? []).toEqual([]);
    await groupMapping.addRule({ provider: 'corp', claim: 'groups', value: ENGINEERS_ID, group: 'engineers' });
  });

  it('adds, lists and removes rules with the CLI, refusing an unknown provider, a malformed claim, an unknown group and a duplicate with exit code 1', async () => {
    const added = await runCli(['--json', 'provider', 'map-group', 'corp', '--claim', 'roles', '--value', 'admin', '--group', 'unmapped'], env);
    expect(added.code, added.stderr).toBe(0);
    const rule = JSON.parse(added.stdout) as { id: string };
    expect(rule).toMatchObject({ provider: 'corp', claim: 'roles', value: 'admin', group: 'unmapped' });

    const duplicate = await runCli(['provider', 'map-group', 'corp', '--claim', 'roles', '--value', 'admin', '--group', 'unmapped'], env);
    expect(duplicate.code).toBe(1);
    expect(duplicate.stderr).toContain('exists already');
    const unknownProvider = await runCli(['provider', 'map-group', 'nowhere', '--claim', 'groups', '--value', 'x', '--group', 'unmapped'], env);
    expect(unknownProvider.code).toBe(1);
    expect(unknownProvider.stderr).toContain('no provider "nowhere"');
    const badName = await runCli(['provider', 'map-group', 'Bad_Name', '--claim', 'groups', '--value', 'x', '--group', 'unmapped'], env);
    expect(badName.code).toBe(1);
    expect(badName.stderr).toContain('provider: must be a provider name');
    const badClaim = await runCli(['provider', 'map-group', 'corp', '--claim', 'gro ups', '--value', 'x', '--group', 'unmapped'], env);
    expect(badClaim.code).toBe(1);
    expect(badClaim.stderr).toContain('claim: must be a claim name');
    const longValue = await runCli(['provider', 'map-group', 'corp', '--claim', 'groups', '--value', 'x'.repeat(257), '--group', 'unmapped'], env);
    expect(longValue.code).toBe(1);
    expect(longValue.stderr).toContain('value: must be 1-256 characters');
    const unknownGroup = await runCli(['provider', 'map-group', 'corp', '--claim', 'groups', '--value', 'x', '--group', 'nobody'], env);
    expect(unknownGroup.code).toBe(1);
    expect(unknownGroup.stderr).toContain('no group "nobody"');

    const listed = await runCli(['provider', 'group-rules', 'corp'], env);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(new RegExp(`${rule.id}\\s+corp\\s+roles\\s+admin\\s+unmapped`));
    expect(listed.stdout).toMatch(new RegExp(`corp\\s+groups\\s+${ENGINEERS_ID}\\s+engineers`));
    const json = JSON.parse((await runCli(['--json', 'provider', 'group-rules'], env)).stdout) as { group: string }[];
    expect(json.map((r) => r.group).sort()).toEqual(['engineers', 'ops', 'staff', 'unmapped']);
    expect((await runCli(['provider', 'group-rules', 'acme'], env)).stdout).toBe('(none)\n');

    const removed = await runCli(['provider', 'unmap-group', rule.id], env);
    expect(removed.code, removed.stderr).toBe(0);
    expect(removed.stdout).toBe(`removed group rule ${rule.id}: corp roles=admin → unmapped\n`);
    const gone = await runCli(['provider', 'unmap-group', rule.id], env);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain(`no group rule "${rule.id}"`);

    const partial = await runCli(['provider', 'unmap-group', 'corp', '--claim', 'groups'], env);
    expect(partial.code).toBe(1);
    expect(partial.stderr).toContain('all of --claim, --value and --group');
    const byTriple = await runCli(['--json', 'provider', 'unmap-group', 'corp', '--claim', 'groups', '--value', STAFF_ID, '--group', 'staff'], env);
    expect(byTriple.code, byTriple.stderr).toBe(0);
    expect((JSON.parse(byTriple.stdout) as { removed: unknown }).removed).toMatchObject({ provider: 'corp', claim: 'groups', value: STAFF_ID, group: 'staff' });
    expect((await ctx.server.latchkey.services.groupMapping.listRules()).map((r) => r.group).sort()).toEqual(['engineers', 'ops']);
  });
});
