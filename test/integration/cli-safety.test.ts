import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Services } from '../../src/services.js';
import { createTestDatabase, currentBackend, type TestDatabase } from '../support/backend.js';
import { PASSWORD, REDIRECT_URI } from '../support/fixtures.js';
import { openLoginPage, signInToCallback } from '../support/flows.js';
import { ROOT, runCli, spawnServer } from '../support/processes.js';
import { freePort, startTestServer, TEST_SECRET, type TestServer } from '../support/test-server.js';
import { UserAgent } from '../support/user-agent.js';

const POLICY = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::home/${sub}/*' }] });

/** A client_credentials token request with HTTP Basic authentication: the status tells whether the secret counts. */
async function tokenStatus(issuer: string, clientId: string, secret: string): Promise<number> {
  const response = await fetch(`${issuer}/token`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(secret)}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'reports:read' }),
  });
  await response.arrayBuffer();
  return response.status;
}

/**
 * The CLI cannot hurt its user: `create` never overwrites, destructive commands refuse or say what they
 * did, passwords are set by an operator with every session ended, client secrets rotate with a grace
 * period, and start-up errors name the setting to fix. A server runs in the test process (embedded: the
 * CLI reaches its database through the server's socket), so the test sets up and checks state through the
 * services and the HTTP endpoints, and runs the built CLI only for what is under test.
 */
describe(`latchkey CLI safety (${currentBackend()})`, () => {
  let database: TestDatabase;
  let env: Record<string, string>;
  let server: TestServer;
  let services: Services;

  beforeAll(async () => {
    database = await createTestDatabase();
    env = { ...database.env, LOG_LEVEL: 'warn', LATCHKEY_SECRET: TEST_SECRET };
    server = await startTestServer({ env: database.env });
    services = server.latchkey.services;
  });
  afterAll(async () => {
    await server?.close();
    await database?.drop();
  });

  it('role create refuses an existing name (use role update), role update changes it, role delete refuses while it is used and names the users, and --force says what it detached', async () => {
    await services.roles.createRole({ name: 'viewer', policy: POLICY });
    await services.groups.create({ name: 'watchers', role: 'viewer' });
    await services.roles.setDefaultRole('viewer');
    await services.roles.addRule({ claim: 'email', match: 'contains', value: '@corp.example', role: 'viewer' });
    const dir = mkdtempSync(join(tmpdir(), 'lk-role-'));
    writeFileSync(join(dir, 'p.json'), POLICY);

    const again = await runCli(['role', 'create', 'viewer', '--policy', join(dir, 'p.json'), '--max-duration', '900'], env);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('role "viewer" already exists; use role update');
    const updated = await runCli(['--json', 'role', 'update', 'viewer', '--max-duration', '7200', '--description', 'read homes'], env);
    expect(updated.code, updated.stderr).toBe(0);
    expect(JSON.parse(updated.stdout)).toMatchObject({ name: 'viewer', max_duration_seconds: 7200, description: 'read homes' });

    const refused = await runCli(['role', 'delete', 'viewer'], env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('group(s) watchers; pool rule(s) at position 1; the pool\'s default role');
    expect((await services.roles.listRoles()).map((r) => r.name)).toEqual(['viewer']);

    const forced = await runCli(['--json', 'role', 'delete', 'viewer', '--force'], env);
    expect(forced.code, forced.stderr).toBe(0);
    expect(JSON.parse(forced.stdout)).toEqual({ deleted: 'viewer', detached: { groups: ['watchers'], rule_positions: [1], default_role: true } });
    expect(await services.roles.poolSettings()).toMatchObject({ default_role: null, rules: [] });
    expect((await services.groups.list()).find((g) => g.name === 'watchers')).toMatchObject({ role_name: null });
  });

  it('user set-password sets a policy-checked password from standard input and ends the user\'s tokens; require-reset makes sign-in ask for a reset; create without a password says how the user signs in', async () => {
    await services.users.create({ username: 'ann', email: 'ann@example.com', password: PASSWORD, emailVerified: true });
    const client = await services.clients.create({ name: 'App', redirectUris: [REDIRECT_URI] });
    const config = await oidc.discovery(new URL(server.issuer), client.client_id, client.client_secret, undefined, { execute: [oidc.allowInsecureRequests] });
    const agent = new UserAgent();
    const { page, verifier } = await openLoginPage(agent, config);
    const tokens = await oidc.authorizationCodeGrant(config, new URL(await signInToCallback(agent, page, 'ann', PASSWORD)), { pkceCodeVerifier: verifier });
    expect((await oidc.tokenIntrospection(config, tokens.access_token)).active).toBe(true);

    const weak = await runCli(['user', 'set-password', 'ann', '--password', '-'], env, 'short\n');
    expect(weak.code).toBe(1);
    expect(weak.stderr).toContain('the password does not meet the password policy');
    const set = await runCli(['--json', 'user', 'set-password', 'ann', '--password', '-'], env, 'a brand new passphrase\n');
    expect(set.code, set.stderr).toBe(0);
    expect(JSON.parse(set.stdout)).toMatchObject({ username: 'ann', status: 'confirmed', signed_out: true });
    expect(set.stdout).not.toContain('brand new');
    expect(await oidc.tokenIntrospection(config, tokens.access_token)).toEqual({ active: false });
    const account = await services.users.findSignInAccount('ann');
    expect(await services.users.verifyPassword(account, 'a brand new passphrase')).toMatchObject({ ok: true });

    const reset = await runCli(['user', 'require-reset', 'ann'], env);
    expect(reset.code, reset.stderr).toBe(0);
    expect(reset.stdout).toContain('Forgot your password?');
    expect(await services.users.verifyPassword(await services.users.findSignInAccount('ann'), 'a brand new passphrase')).toEqual({ ok: false, reason: 'reset_required' });
    const another = new UserAgent();
    const second = await openLoginPage(another, config);
    const told = await another.submit(second.page, 'form#login-form', { username: 'ann', password: 'a brand new passphrase' });
    expect(told.html).toContain('A password reset is required for this account');

    const noPassword = await runCli(['user', 'create', '--email', 'fed@example.com'], env);
    expect(noPassword.code, noPassword.stderr).toBe(0);
    expect(noPassword.stdout).toContain('no password set');
    expect(noPassword.stdout).toContain('latchkey user set-password fed@example.com --password -');
  });

  it('client rotate-secret prints a new secret and keeps the old one working for the grace period; with --grace 0 the old one fails at once', async () => {
    const machine = await services.clients.create({ name: 'Cron', grantTypes: ['client_credentials'], scope: 'reports:read' });
    const first = machine.client_secret!;
    expect(await tokenStatus(server.issuer, machine.client_id, first)).toBe(200);

    const rotated = await runCli(['--json', 'client', 'rotate-secret', machine.client_id, '--grace', '3600'], env);
    expect(rotated.code, rotated.stderr).toBe(0);
    const second = JSON.parse(rotated.stdout) as { client_secret: string; previous_secret_expires_at: string };
    expect(second.client_secret).toMatch(/^[\w-]{43}$/);
    expect(Date.parse(second.previous_secret_expires_at) - Date.now()).toBeGreaterThan(3500_000);
    expect(await tokenStatus(server.issuer, machine.client_id, first)).toBe(200);
    expect(await tokenStatus(server.issuer, machine.client_id, second.client_secret)).toBe(200);

    const immediate = await runCli(['--json', 'client', 'rotate-secret', machine.client_id, '--grace', '0'], env);
    expect(immediate.code, immediate.stderr).toBe(0);
    const third = JSON.parse(immediate.stdout) as { client_secret: string; previous_secret_expires_at: string | null };
    expect(third.previous_secret_expires_at).toBeNull();
    expect(await tokenStatus(server.issuer, machine.client_id, third.client_secret)).toBe(200);
    expect(await tokenStatus(server.issuer, machine.client_id, second.client_secret)).toBe(401);
    expect(await tokenStatus(server.issuer, machine.client_id, first)).toBe(401);
  });

  it('client update replaces lists, validates like create and leaves the secret alone; client show prints the settings without a secret', async () => {
    const app = await services.clients.create({ name: 'Shop', redirectUris: ['https://shop.example/cb', 'https://old.example/cb'], firstParty: true });
    const bad = await runCli(['client', 'update', app.client_id, '--redirect-uri', 'http://evil.example/cb'], env);
    expect(bad.code, bad.stderr).toBe(1);
    expect(bad.stderr).toContain('redirect_uris');
    const updated = await runCli(['--json', 'client', 'update', app.client_id, '--name', 'Shop 2', '--redirect-uri', 'https://shop.example/cb2', '--no-first-party', '--providers', 'none', '--no-signup'], env);
    expect(updated.code, updated.stderr).toBe(0);
    expect(JSON.parse(updated.stdout)).toMatchObject({ name: 'Shop 2', redirect_uris: ['https://shop.example/cb2'], first_party: false, upstream_providers: [], signup: false, token_endpoint_auth_method: 'client_secret_basic' });
    const shown = await runCli(['client', 'show', app.client_id], env);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toContain('https://shop.example/cb2');
    expect(shown.stdout).not.toContain(app.client_secret!);
    // The secret from creation still authenticates: update never touches it.
    const config = await oidc.discovery(new URL(server.issuer), app.client_id, app.client_secret, undefined, { execute: [oidc.allowInsecureRequests] });
    await expect(oidc.tokenIntrospection(config, 'not-a-token')).resolves.toEqual({ active: false });
  });

  it('--version prints the package version, and help texts describe their own command without doubled defaults', async () => {
    const version = await runCli(['--version'], {});
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toBe((JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version);
    const enable = await runCli(['user', 'enable', '--help'], {});
    expect(enable.stdout).toContain('enable a disabled user');
    expect(enable.stdout).not.toContain('disable a user');
    const group = await runCli(['group', 'create', '--help'], {});
    expect(group.stdout).not.toMatch(/\(default \S+\) \(default: /);
  });

  it('start-up errors name the setting: an unreachable database names DATABASE_URL, a port in use names PORT before the database is opened', async () => {
    const unused = await freePort();
    const cli = await runCli(['--json', 'user', 'list'], { ...env, DATABASE_URL: `postgres://latchkey:hunter2@127.0.0.1:${unused}/latchkey` });
    expect(cli.code).toBe(1);
    expect(cli.stderr).toContain('cannot connect to the database at DATABASE_URL');
    expect(cli.stderr).not.toContain('hunter2');
    expect(JSON.parse(cli.stdout)).toMatchObject({ error: 'startup_failed', setting: 'DATABASE_URL' });
    const port = await freePort();
    await expect(spawnServer({ ...env, PORT: String(port), HOST: '127.0.0.1', DATABASE_URL: `postgres://127.0.0.1:${unused}/latchkey` }, port)).rejects.toThrow(/DATABASE_URL/);

    // The running server's port: on the embedded database its data directory is held too, so a port
    // checked after the database would fail on the data directory instead.
    // It drops every connection, so the readiness probe fails at once instead of waiting for an answer.
    const held = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => held.listen(port, '127.0.0.1', resolve));
    try {
      await expect(spawnServer({ ...env, PORT: String(port), HOST: '127.0.0.1' }, port)).rejects.toThrow(new RegExp(`PORT ${port} on 127\\.0\\.0\\.1 is already in use`));
    } finally {
      held.close();
    }
  });
});
