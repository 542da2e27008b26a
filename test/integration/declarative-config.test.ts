import { describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.js';
import { applyConfig } from '../../src/declarative/apply-config.js';
import { ConfigFileError } from '../../src/declarative/config-file-error.js';
import { exportConfig, formatConfig } from '../../src/declarative/export-config.js';
import type { Plan } from '../../src/declarative/plan.js';
import { parseConfigText } from '../../src/declarative/read-config-file.js';
import { resolveConfig } from '../../src/declarative/resolve-config.js';
import { createLogger } from '../../src/lib/logger.js';
import { createServices } from '../../src/services.js';
import { currentBackend } from '../support/backend.js';
import { useTestServer } from '../support/harness.js';
import { TEST_SECRET } from '../support/test-server.js';

const POLICY = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3:GetObject'], Resource: ['arn:aws:s3:::docs/${sub}/*'] }] };
const WIDER = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject'], Resource: ['arn:aws:s3:::docs/${sub}/*'] }] };

const ENV = {
  API_SECRET: 'api-secret-0123456789abcdef0123456789',
  CORP_SECRET: 'corp-client-secret',
  ALICE_PASSWORD: 'correct horse battery staple',
};

/** A file declaring one entry of every section. */
function baseFile() {
  return {
    clients: {
      web: { name: 'Web', public: true, redirectUris: ['http://localhost:8080/callback'], postLogoutRedirectUris: ['http://localhost:8080/'], scope: 'openid email profile offline_access' },
      api: { name: 'API', grantTypes: ['client_credentials'], scope: 'api:read', secret: { env: 'API_SECRET' } },
    },
    groups: { staff: { description: 'Everyone', precedence: 10, role: 'reader' }, ops: { precedence: 5 } },
    roles: { reader: { description: 'Read documents', policy: POLICY, maxDurationSeconds: 900 } },
    roleMapping: { rules: [{ claim: 'email', match: 'startsWith', value: 'ops-', role: 'reader' }], defaultRole: null, ambiguousRoleResolution: 'deny' },
    providers: { corp: { issuer: 'https://idp.example.com', clientId: 'latchkey', clientSecret: { env: 'CORP_SECRET' }, groupRules: [{ claim: 'groups', value: 'staff', group: 'staff' }] } },
    attributes: { tier: { type: 'string', maxLength: 16 } },
    passwordPolicy: { minLength: 12 },
    mfa: { mode: 'off' },
    signUp: { enabled: false, required: ['custom:tier'] },
    selfDelete: { enabled: true },
    users: [{ email: 'alice@example.com', username: 'alice', name: 'Alice', groups: ['staff'], verified: true, password: { env: 'ALICE_PASSWORD' } }],
  };
}

/** Declarative configuration applied in-process through the services, on both databases (the CLI is tested apart). */
describe(`declarative configuration: plan and apply (${currentBackend()})`, () => {
  const ctx = useTestServer();
  const services = () => ctx.server.latchkey.services;
  const servicesFor = (db: Database) => createServices({ config: ctx.server.config, db, secrets: [TEST_SECRET], logger: createLogger('silent'), sts: null });
  const apply = (file: unknown, options: { prune?: boolean; dryRun?: boolean; env?: Record<string, string> } = {}): Promise<Plan> => {
    const desired = resolveConfig(parseConfigText(JSON.stringify(file), 'test.json'), 'test.json', { env: options.env ?? ENV });
    return applyConfig({ db: ctx.server.db, servicesFor }, desired, { file: 'test.json', digest: 'd'.repeat(64), prune: options.prune ?? false, dryRun: options.dryRun ?? false });
  };
  const actions = (plan: Plan) => Object.fromEntries(plan.entries.map((e) => [e.key ? `${e.section}.${e.key}` : e.section, e.fields.length ? `${e.action}: ${e.fields.join(', ')}` : e.action]));
  const eventsAfter = async (id: number) => (await services().audit.query({ limit: 200 })).events.filter((event) => event.id > id).map((event) => event.type).sort();

  it('applies a file: every entry added, and Latchkey holds what the file declares', async () => {
    const plan = await apply(baseFile());
    expect(actions(plan)).toEqual({
      passwordPolicy: 'change: minLength', mfa: 'change: mode', selfDelete: 'change: enabled', 'attributes.tier': 'add', signUp: 'change: enabled, required',
      'roles.reader': 'add', roleMapping: 'change: rules', 'groups.staff': 'add', 'groups.ops': 'add', 'providers.corp': 'add',
      'clients.web': 'add', 'clients.api': 'add', 'users.alice@example.com': 'add',
    });
    const s = services();
    expect(await s.clients.find('web')).toMatchObject({ token_endpoint_auth_method: 'none', redirect_uris: ['http://localhost:8080/callback'], grant_types: ['authorization_code', 'refresh_token'] });
    expect(await s.clients.secretMatches('api', ENV.API_SECRET)).toBe(true);
    expect(await s.groups.get('staff')).toMatchObject({ precedence: 10, role_name: 'reader', description: 'Everyone' });
    expect(await s.roles.getRole('reader')).toMatchObject({ policy: POLICY, max_duration_seconds: 900 });
    expect((await s.roles.poolSettings()).rules).toMatchObject([{ position: 1, claim: 'email', match_type: 'startsWith', value: 'ops-', role_name: 'reader' }]);
    expect(await s.providers.clientSecretMatches('corp', ENV.CORP_SECRET)).toBe(true);
    expect(await s.groupMapping.listRules('corp')).toMatchObject([{ claim: 'groups', value: 'staff', group: 'staff' }]);
    expect(await s.userPool.signup()).toEqual({ enabled: false, required: ['custom:tier'] });
    expect((await s.userPool.passwordPolicy()).options.minLength).toBe(12);
    expect(await s.mfa.mode()).toBe('off');
    const alice = await s.users.resolve('alice@example.com');
    expect(alice).toMatchObject({ username: 'alice', email_verified: true, status: 'confirmed', profile: { name: 'Alice' } });
    expect(await s.groups.namesOf(alice.id)).toEqual(['staff']);
    expect(await s.users.verifyPassword(await s.users.findSignInAccount('alice'), ENV.ALICE_PASSWORD)).toMatchObject({ ok: true });
    const [applied] = (await s.audit.query({ type: 'config.applied', limit: 5 })).events;
    expect(applied).toMatchObject({ actor: { kind: 'system' }, details: { file: 'test.json', added: 8, changed: 5, removed: 0, prune: false } });
  });

  it('applying the same file again changes nothing: every entry unchanged and not one audit event', async () => {
    const before = await services().audit.latestId();
    const plan = await apply(baseFile());
    expect(new Set(plan.entries.map((e) => e.action))).toEqual(new Set(['unchanged']));
    expect(plan.counts).toEqual({ add: 0, change: 0, unchanged: 13, remove: 0 });
    expect(await services().audit.latestId()).toBe(before);
  });

  it('plans a change with the fields that differ, applies it audited by the services, and never overwrites a seed user\'s password', async () => {
    const file = baseFile();
    file.groups.staff.precedence = 20;
    file.clients.web.redirectUris.push('http://localhost:8080/other');
    file.roles.reader.policy = WIDER;
    file.providers.corp.groupRules = [{ claim: 'groups', value: 'operators', group: 'ops' }];
    Object.assign(file.providers.corp, { displayName: 'Corp SSO' });
    file.users[0]!.groups = ['staff', 'ops'];
    const env = { ...ENV, API_SECRET: 'rotated-secret-0123456789abcdef01234', CORP_SECRET: 'rotated-corp-secret', ALICE_PASSWORD: 'a different long password' };
    const dry = await apply(file, { env, dryRun: true });
    const expected = {
      'groups.staff': 'change: precedence', 'clients.web': 'change: redirectUris', 'clients.api': 'change: secret', 'roles.reader': 'change: policy',
      'providers.corp': 'change: displayName, clientSecret, groupRules', 'users.alice@example.com': 'change: groups',
    };
    expect(actions(dry)).toMatchObject(expected);
    expect(dry.counts).toEqual({ add: 0, change: 6, unchanged: 7, remove: 0 });

    const before = await services().audit.latestId();
    expect(actions(await apply(file, { env }))).toMatchObject(expected);
    expect(await eventsAfter(before)).toEqual([
      'client.secret_rotated', 'client.updated', 'config.applied', 'group.member_added', 'group.updated', 'provider.rule_changed', 'provider.rule_changed', 'provider.updated', 'role.updated',
    ]);
    const s = services();
    expect(await s.clients.secretMatches('api', env.API_SECRET)).toBe(true);
    expect(await s.clients.secretMatches('api', ENV.API_SECRET)).toBe(false);
    expect(await s.groupMapping.listRules('corp')).toMatchObject([{ claim: 'groups', value: 'operators', group: 'ops' }]);
    expect(await s.providers.get('corp')).toMatchObject({ display_name: 'Corp SSO', issuer: 'https://idp.example.com', has_client_secret: true });
    expect(await s.providers.clientSecretMatches('corp', env.CORP_SECRET)).toBe(true);
    const alice = await s.users.findSignInAccount('alice');
    expect(await s.users.verifyPassword(alice, ENV.ALICE_PASSWORD)).toMatchObject({ ok: true });
    expect(await s.users.verifyPassword(alice, env.ALICE_PASSWORD)).toMatchObject({ ok: false });
    await apply(baseFile());
  });

  it('sets the identity pool\'s guest role from roleMapping.guestRole, audited, and clears it when the file says null', async () => {
    const file = baseFile();
    Object.assign(file.roleMapping, { guestRole: 'reader' });
    const before = await services().audit.latestId();
    expect(actions(await apply(file))).toMatchObject({ roleMapping: 'change: guestRole' });
    expect(await services().roles.guestRole()).toBe('reader');
    // Only the guest role changed: the mapping itself was not replaced.
    expect(await eventsAfter(before)).toEqual(['config.applied', 'pool.settings_changed']);
    expect((await exportConfig(services())).document).toMatchObject({ roleMapping: { guestRole: 'reader' } });
    expect(actions(await apply(file))).toMatchObject({ roleMapping: 'unchanged' });
    const ghost = baseFile();
    Object.assign(ghost.roleMapping, { guestRole: 'ghost' });
    await expect(apply(ghost)).rejects.toThrow(/roleMapping\.guestRole: no role "ghost"/);
    expect(actions(await apply(baseFile()))).toMatchObject({ roleMapping: 'change: guestRole' });
    expect(await services().roles.guestRole()).toBeNull();
  });

  it('a dry run writes nothing, not even its audit event', async () => {
    const file = baseFile();
    file.groups.staff.description = 'Changed';
    const before = await services().audit.latestId();
    const plan = await apply({ ...file, groups: { ...file.groups, temp: {} } }, { dryRun: true });
    expect(plan).toMatchObject({ dryRun: true, counts: { add: 1, change: 1 } });
    expect(await services().audit.latestId()).toBe(before);
    expect((await services().groups.get('staff')).description).toBe('Everyone');
    await expect(services().groups.get('temp')).rejects.toMatchObject({ status: 404 });
  });

  it('removes nothing without --prune; with it, only the entries absent from the sections the file has, never users', async () => {
    const s = services();
    await s.groups.create({ name: 'extra' });
    await s.roles.createRole({ name: 'spare', policy: JSON.stringify(POLICY) });
    const other = await s.clients.create({ name: 'Registered elsewhere', grantTypes: ['client_credentials'], scope: 'x' });
    await s.users.create({ email: 'bob@example.com' });
    const { groups, roles, users } = baseFile();
    expect((await apply({ groups, roles, users })).counts.remove).toBe(0);
    const pruned = await apply({ groups, roles, users }, { prune: true });
    expect(pruned.entries.filter((e) => e.action === 'remove').map((e) => `${e.section}.${e.key}`)).toEqual(['groups.extra', 'roles.spare']);
    await expect(s.groups.get('extra')).rejects.toMatchObject({ status: 404 });
    await expect(s.roles.getRole('spare')).rejects.toMatchObject({ status: 404 });
    // Sections the file leaves out are not touched, and users are never removed.
    expect(await s.clients.find(other.client_id)).toBeDefined();
    expect(await s.clients.find('web')).toBeDefined();
    expect(await s.users.resolve('bob@example.com')).toBeDefined();
    await s.clients.delete(other.client_id);
  });

  it('refuses a file with dangling references or a client changing type, naming each place, and writes nothing', async () => {
    const file = baseFile();
    const before = await services().audit.latestId();
    const broken = {
      ...file,
      clients: { ...file.clients, web: { ...file.clients.web, public: false, secret: { env: 'API_SECRET' } } },
      groups: { ...file.groups, newcomers: { role: 'ghost' } },
      users: [{ email: 'carol@example.com', groups: ['nowhere'] }],
    };
    const error = await apply(broken).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigFileError);
    expect((error as ConfigFileError).problems.map((p) => p.path)).toEqual(['groups.newcomers.role', 'users[0].groups[0]', 'clients.web.public']);
    expect(await services().audit.latestId()).toBe(before);
    await expect(services().groups.get('newcomers')).rejects.toMatchObject({ status: 404 });
  });

  it('rolls every step back when a service refuses one: the apply is one transaction', async () => {
    const { groups, roles } = baseFile();
    const before = await services().audit.latestId();
    // The new group is written first; then the role's removal is refused, since the staff group (whose section is not in the file) uses it.
    const error = await apply({ roles: { other: { policy: POLICY } }, roleMapping: { rules: [] } }, { prune: true }).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 409, message: expect.stringMatching(/^roles\.reader \(remove\): role "reader" is in use by group\(s\) staff.*; nothing was applied$/) });
    expect(await services().audit.latestId()).toBe(before);
    await expect(services().roles.getRole('other')).rejects.toMatchObject({ status: 404 });
    expect((await services().roles.poolSettings()).rules).toHaveLength(1);
    expect((await apply({ groups, roles })).counts).toMatchObject({ add: 0, change: 0 });
  });

  it('exports the state as a file that applies unchanged, secrets as environment references and users only when asked', async () => {
    const s = services();
    // A client registered by the CLI or admin API has a generated id, which a file can name too.
    const registered = await s.clients.create({ name: 'Registered', grantTypes: ['client_credentials'], scope: 'reports' });
    const { document, secrets } = await exportConfig(s);
    expect(document).not.toHaveProperty('users');
    const registeredSecret = secrets.find((secret) => secret.path.includes(registered.client_id))!;
    expect(secrets).toEqual([
      { path: 'clients.api.secret', env: 'LATCHKEY_CLIENT_API_SECRET' }, registeredSecret,
      { path: 'providers.corp.clientSecret', env: 'LATCHKEY_PROVIDER_CORP_CLIENT_SECRET' },
    ]);
    expect(registeredSecret.env).toMatch(/^LATCHKEY_CLIENT_[A-Z0-9_]+_SECRET$/);
    const text = formatConfig(document, 'yaml', secrets);
    expect(text).not.toContain(ENV.API_SECRET);
    expect(text).not.toContain(ENV.CORP_SECRET);
    expect(text).not.toContain(registered.client_secret);
    expect(Object.keys(document.clients as object)).toEqual(['web', 'api', registered.client_id]); // never Latchkey's own clients
    const env = { LATCHKEY_CLIENT_API_SECRET: ENV.API_SECRET, LATCHKEY_PROVIDER_CORP_CLIENT_SECRET: ENV.CORP_SECRET, [registeredSecret.env]: registered.client_secret! };
    const reapplied = await applyConfig({ db: ctx.server.db, servicesFor }, resolveConfig(parseConfigText(text, 'export.yaml'), 'export.yaml', { env }), { file: 'export.yaml', digest: 'e'.repeat(64) });
    expect(reapplied.counts).toMatchObject({ add: 0, change: 0, remove: 0 });

    const withUsers = await exportConfig(s, { users: true });
    expect(withUsers.document.users).toEqual(expect.arrayContaining([{ email: 'alice@example.com', username: 'alice', name: 'Alice', groups: ['staff'], verified: true }]));
    const json = formatConfig(withUsers.document, 'json');
    expect(json).not.toMatch(/"password"/);
    const again = await applyConfig({ db: ctx.server.db, servicesFor }, resolveConfig(parseConfigText(json, 'export.json'), 'export.json', { env }), { file: 'export.json', digest: 'f'.repeat(64), prune: true });
    expect(again.counts).toMatchObject({ add: 0, change: 0, remove: 0 });
    await s.clients.delete(registered.client_id);
  });
});
