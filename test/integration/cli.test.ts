import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, currentBackend, type TestDatabase } from '../support/backend.js';
import { migratedCliDatabase } from '../support/cli-database.js';
import { openLoginPage, signInToCallback } from '../support/flows.js';
import { REDIRECT_URI } from '../support/fixtures.js';
import { runCli, spawnServer } from '../support/processes.js';
import { freePort } from '../support/test-server.js';
import { UserAgent } from '../support/user-agent.js';

/**
 * The CLI as a user runs it, with and without a running server on the same database. On the embedded
 * database the server holds PGlite, and the CLI reaches it through the server's socket. Each test runs a dozen
 * or more CLI processes, and each opens the database (on the embedded one, a PGlite start of a few seconds on a
 * busy machine): a test's time is counted in processes, hence the longer limit.
 */
describe(`latchkey CLI (${currentBackend()})`, { timeout: 180_000 }, () => {
  let database: TestDatabase;
  let env: Record<string, string>;

  beforeAll(async () => {
    ({ database, env } = await migratedCliDatabase());
  });
  afterAll(async () => {
    await database?.drop();
  });

  it('prints help listing the commands', async () => {
    const result = await runCli(['--help'], env);
    expect(result.code).toBe(0);
    for (const command of ['migrate', 'serve', 'user', 'group', 'client', 'keys', 'role', 'pool', 'attribute', 'credentials-audit']) expect(result.stdout).toContain(command);
    const user = await runCli(['user', '--help'], env);
    for (const command of ['create', 'update', 'list', 'show', 'disable', 'enable', 'delete', 'sign-out']) expect(user.stdout).toContain(command);
  });

  it('manages users, groups and clients without a server, then with one running, and signs in', async () => {
    expect((await runCli(['migrate'], env)).code).toBe(0);
    const group = await runCli(['--json', 'group', 'create', 'editors', '--precedence', '5'], env);
    expect(group.code).toBe(0);
    expect(JSON.parse(group.stdout)).toMatchObject({ name: 'editors', precedence: 5 });
    // The password comes from standard input, so it stays out of the process list.
    const created = await runCli(['--json', 'user', 'create', '--email', 'bob@example.com', '--username', 'bob', '--password', '-', '--verified', '--group', 'editors', '--name', 'Bob'], env, 'a long enough password\n');
    expect(created.code, created.stderr).toBe(0);
    const bob = JSON.parse(created.stdout) as { id: string; email_verified: boolean; groups: string[] };
    expect(bob).toMatchObject({ email_verified: true, groups: ['editors'] });
    expect(created.stdout).not.toContain('password');

    const port = await freePort();
    const issuer = `http://127.0.0.1:${port}`;
    const server = await spawnServer({ ...env, PORT: String(port), HOST: '127.0.0.1', LATCHKEY_ISSUER: issuer, LOG_LEVEL: 'info' }, port);
    try {
      // With the server running (and, embedded, holding the database), the CLI still works.
      const client = await runCli(['--json', 'client', 'create', '--name', 'CLI App', '--redirect-uri', REDIRECT_URI], env);
      expect(client.code, client.stderr).toBe(0);
      const { client_id, client_secret } = JSON.parse(client.stdout) as { client_id: string; client_secret: string };
      expect(client_secret).toMatch(/^[\w-]{43}$/);
      const listed = await runCli(['--json', 'user', 'list'], env);
      expect((JSON.parse(listed.stdout) as { email: string }[]).map((u) => u.email)).toEqual(['bob@example.com']);
      const shown = await runCli(['--json', 'user', 'show', 'BOB@example.com'], env);
      expect(JSON.parse(shown.stdout)).toMatchObject({ id: bob.id, groups: ['editors'] });
      expect(shown.stdout).not.toContain('argon2');

      const config = await oidc.discovery(new URL(issuer), client_id, client_secret, undefined, { execute: [oidc.allowInsecureRequests] });
      const agent = new UserAgent();
      const { page, verifier } = await openLoginPage(agent, config);
      const tokens = await oidc.authorizationCodeGrant(config, new URL(await signInToCallback(agent, page, 'bob', 'a long enough password')), { pkceCodeVerifier: verifier });
      expect(tokens.claims()).toMatchObject({ sub: bob.id, groups: ['editors'] });

      // Disabling through the CLI takes effect on the running server at once.
      expect((await runCli(['user', 'disable', 'bob'], env)).code).toBe(0);
      expect(await oidc.tokenIntrospection(config, tokens.access_token)).toEqual({ active: false });
      expect((await runCli(['user', 'enable', 'bob'], env)).code).toBe(0);

      const rotated = await runCli(['--json', 'keys', 'rotate'], env);
      expect(rotated.code).toBe(0);
      expect(JSON.parse(rotated.stdout)).toMatchObject({ retired: 1 });
      // Staged: published now, signing a day later; the list shows each key's stage.
      const staged = JSON.parse((await runCli(['--json', 'keys', 'rotate', '--staged'], env)).stdout) as { alg: string; kid: string; replaces: string }[];
      expect(staged).toEqual([expect.objectContaining({ alg: 'RS256', replaces: JSON.parse(rotated.stdout).kid })]);
      const keys = JSON.parse((await runCli(['--json', 'keys', 'list'], env)).stdout) as { kid: string; state: string }[];
      expect(keys.map((k) => k.state)).toEqual(['signing', 'pending', 'retired']);
      expect(keys[1]!.kid).toBe(staged[0]!.kid);
    } finally {
      // Graceful shutdown on SIGTERM: exit code 0.
      server.child.kill('SIGTERM');
      expect(await server.exited).toBe(0);
    }
    expect(server.output()).not.toContain('a long enough password');
  });

  it('fails clearly: unknown user, invalid input, unknown command, bad configuration', async () => {
    const missing = await runCli(['user', 'show', 'nobody@example.com'], env);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('no user "nobody@example.com"');

    const invalid = await runCli(['--json', 'user', 'create', '--email', 'not-an-email', '--password', 'short'], env);
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toMatch(/email: is not an e-mail address|password must be at least/);
    expect(JSON.parse(invalid.stdout)).toMatchObject({ error: 'invalid_request' });

    const badRedirect = await runCli(['client', 'create', '--name', 'x', '--redirect-uri', 'http://evil.example/cb'], env);
    expect(badRedirect.code).toBe(1);
    expect(badRedirect.stderr).toContain('redirect_uris');

    const unknown = await runCli(['frobnicate'], env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown command 'frobnicate'");

    const badConfig = await runCli(['user', 'list'], { ...env, PORT: 'seventy', LATCHKEY_SECRET: 'short' });
    expect(badConfig.code).toBe(2);
    expect(badConfig.stderr).toContain('PORT');
  });

  // The remaining commands run while a server holds the database, as an operator runs them beside
  // `npm start`: on the embedded database each one reaches PGlite through the server's socket instead of
  // starting PGlite itself (the tests above cover that path).
  describe('while a server holds the database', () => {
    let server: Awaited<ReturnType<typeof spawnServer>>;
    beforeAll(async () => {
      const port = await freePort();
      server = await spawnServer({ ...env, PORT: String(port), HOST: '127.0.0.1', LATCHKEY_ISSUER: `http://127.0.0.1:${port}` }, port);
    });
    afterAll(async () => {
      server?.child.kill('SIGTERM');
      await server?.exited;
    });

    it('manages identity-pool roles, groups with roles and rules', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'lk-role-'));
      const policyFile = join(dir, 'viewer.json');
      writeFileSync(policyFile, JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::home/${sub}/*' }] }));
      const created = await runCli(['--json', 'role', 'create', 'viewer', '--policy', policyFile, '--max-duration', '7200'], env);
      expect(created.code, created.stderr).toBe(0);
      expect(JSON.parse(created.stdout)).toMatchObject({ name: 'viewer', max_duration_seconds: 7200, created: true });

      expect((await runCli(['group', 'create', 'watchers', '--precedence', '3', '--role', 'viewer'], env)).code).toBe(0);
      const missingRole = await runCli(['group', 'create', 'ghosts', '--role', 'nope'], env);
      expect(missingRole.code).toBe(1);
      expect(missingRole.stderr).toContain('no role "nope"');

      expect((await runCli(['pool', 'set-default-role', 'viewer'], env)).code).toBe(0);
      expect((await runCli(['pool', 'rule', 'add', '--claim', 'email', '--match', 'contains', '--value', '@corp.example', '--role', 'viewer'], env)).code).toBe(0);
      const shown = JSON.parse((await runCli(['--json', 'pool', 'show'], env)).stdout);
      expect(shown).toMatchObject({ default_role: 'viewer', ambiguous_role_resolution: 'deny', rules: [{ position: 1, claim: 'email', match_type: 'contains', role_name: 'viewer' }] });
    });

    it('refuses bad policies and rules, and changes the pool\'s ambiguity setting and rules', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'lk-role-'));
      const policyFile = join(dir, 'bad.json');
      writeFileSync(policyFile, JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: 'arn:aws:s3:::${bucket}/*' }] }));
      const badPolicy = await runCli(['role', 'create', 'bad', '--policy', policyFile], env);
      expect(badPolicy.code).toBe(1);
      expect(badPolicy.stderr).toContain('unknown variable ${bucket}');
      const roles = JSON.parse((await runCli(['--json', 'role', 'list'], env)).stdout) as { name: string }[];
      expect(roles.map((r) => r.name)).toEqual(['viewer']);
      expect(JSON.parse((await runCli(['--json', 'pool', 'set-ambiguous', 'default_role'], env)).stdout)).toMatchObject({ ambiguous_role_resolution: 'default_role' });
      expect((await runCli(['pool', 'set-ambiguous', 'maybe'], env)).code).toBe(1);
      expect(JSON.parse((await runCli(['--json', 'pool', 'rule', 'remove', '1'], env)).stdout)).toEqual([]);
      expect((await runCli(['pool', 'rule', 'remove', '1'], env)).stderr).toContain('no rule at position 1');

      const badMatch = await runCli(['pool', 'rule', 'add', '--claim', 'email', '--match', 'regex', '--value', '.*', '--role', 'viewer'], env);
      expect(badMatch.code).toBe(1);
      expect(badMatch.stderr).toContain('match');
      expect((await runCli(['role', 'create', 'bad', '--policy', join(dir, 'missing.json')], env)).stderr).toContain('cannot read policy file');
    });

    it('closes and opens self-service sign-up with its required attributes, refusing an unknown mode or attribute', async () => {
      const closed = await runCli(['--json', 'pool', 'set-signup', 'closed', '--require', 'given_name,family_name'], env);
      expect(closed.code, closed.stderr).toBe(0);
      expect(JSON.parse(closed.stdout)).toEqual({ enabled: false, required: ['given_name', 'family_name'] });
      expect(JSON.parse((await runCli(['--json', 'pool', 'show'], env)).stdout)).toMatchObject({ signup: { enabled: false, required: ['given_name', 'family_name'] } });
      const refused = await runCli(['pool', 'set-signup', 'maybe'], env);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain('open or closed');
      const badAttribute = await runCli(['pool', 'set-signup', 'open', '--require', 'shoe_size'], env);
      expect(badAttribute.code).toBe(1);
      expect(badAttribute.stderr).toContain('shoe_size');
      expect(JSON.parse((await runCli(['--json', 'pool', 'set-signup', 'open', '--require', 'none'], env)).stdout)).toEqual({ enabled: true, required: [] });
    });

    it('pool show gives Cognito-shaped pool IDs that stay the same, take their region from LATCHKEY_REGION, and differ between databases', async () => {
      const first = JSON.parse((await runCli(['--json', 'pool', 'show'], env)).stdout) as { user_pool_id: string; identity_pool_id: string };
      // The shapes Amplify and aws-jwt-verify parse: region, `_`, 9 letters or digits; region, `:`, a UUID.
      expect(first.user_pool_id).toMatch(/^us-east-1_[A-Za-z0-9]{9}$/);
      expect(first.identity_pool_id).toMatch(/^us-east-1:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      const text = await runCli(['pool', 'show'], { ...env, LATCHKEY_REGION: 'eu-west-2' });
      expect(text.code, text.stderr).toBe(0);
      expect(text.stdout).toContain(`user pool ID:              eu-west-2_${first.user_pool_id.split('_')[1]}`);
      expect(text.stdout).toContain(`identity pool ID:          eu-west-2:${first.identity_pool_id.split(':')[1]}`);
      const badRegion = await runCli(['pool', 'show'], { ...env, LATCHKEY_REGION: 'Mars' });
      expect(badRegion.code).toBe(2);
      expect(badRegion.stderr).toContain('LATCHKEY_REGION');

      const other = await createTestDatabase();
      try {
        const otherEnv = { ...env, ...other.env };
        expect((await runCli(['migrate'], otherEnv)).code).toBe(0);
        const second = JSON.parse((await runCli(['--json', 'pool', 'show'], otherEnv)).stdout) as { user_pool_id: string; identity_pool_id: string };
        expect(second.user_pool_id).not.toBe(first.user_pool_id);
        expect(second.identity_pool_id).not.toBe(first.identity_pool_id);
      } finally {
        await other.drop();
      }
    });

    it('sets the pool\'s password policy, which user create then enforces, refusing options out of range', async () => {
      const set = await runCli(['--json', 'pool', 'set-password-policy', '--min-length', '20', '--require-digit'], env);
      expect(set.code, set.stderr).toBe(0);
      expect(JSON.parse(set.stdout)).toMatchObject({ options: { minLength: 20, requireDigit: true } });
      const weak = await runCli(['user', 'create', '--username', 'polly', '--password', '-'], env, 'sixteen chars pw\n');
      expect(weak.code).toBe(1);
      expect(weak.stderr).toContain('At least 20 characters');
      const tooShort = await runCli(['pool', 'set-password-policy', '--min-length', '4'], env);
      expect(tooShort.code).toBe(1);
      expect(tooShort.stderr).toContain('minLength');
      const temporary = await runCli(['pool', 'set-password-policy', '--temporary-password-days', '3'], env);
      expect(temporary.code, temporary.stderr).toBe(0);
      expect(temporary.stdout).toContain('temporary passwords: valid 3 days');
      const shown = await runCli(['--json', 'pool', 'show'], env);
      expect(JSON.parse(shown.stdout)).toMatchObject({ password_policy: { temporaryPasswordValidityDays: 3 } });
      expect((await runCli(['pool', 'show'], env)).stdout).toMatch(/temporary passwords: +valid 3 days/);
      const tooLong = await runCli(['pool', 'set-password-policy', '--temporary-password-days', '366'], env);
      expect(tooLong.code).toBe(1);
      expect(tooLong.stderr).toContain('temporaryPasswordValidityDays');
      const defaults = await runCli(['--json', 'pool', 'set-password-policy'], env);
      expect(JSON.parse(defaults.stdout)).toMatchObject({ options: { minLength: 15, requireDigit: false, temporaryPasswordValidityDays: 7 } });
    });

    it('deletes a role in use only with --force, taking it off its groups, which keep existing', async () => {
      expect((await runCli(['role', 'delete', 'viewer'], env)).code).toBe(1);
      expect((await runCli(['role', 'delete', 'viewer', '--force'], env)).code).toBe(0);
      const groups = JSON.parse((await runCli(['--json', 'group', 'list'], env)).stdout) as { name: string; role: string | null }[];
      expect(groups.find((g) => g.name === 'watchers')).toMatchObject({ role: null });
    });

    it('registers public and machine clients, and adds users to groups', async () => {
      const spa = JSON.parse((await runCli(['--json', 'client', 'create', '--name', 'SPA', '--public', '--redirect-uri', 'https://spa.example.com/cb'], env)).stdout) as Record<string, unknown>;
      expect(spa).toMatchObject({ token_endpoint_auth_method: 'none', grant_types: ['authorization_code', 'refresh_token'] });
      expect(spa).not.toHaveProperty('client_secret');
      const machine = JSON.parse((await runCli(['--json', 'client', 'create', '--name', 'Cron', '--grant-types', 'client_credentials', '--scope', 'reports:read'], env)).stdout) as Record<string, unknown>;
      expect(machine).toMatchObject({ grant_types: ['client_credentials'], scope: 'reports:read', token_endpoint_auth_method: 'client_secret_basic' });
      expect(machine.client_secret).toEqual(expect.any(String));
      const refused = await runCli(['client', 'create', '--name', 'Bad', '--public', '--grant-types', 'client_credentials'], env);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain('public client cannot use client_credentials');

      expect((await runCli(['group', 'create', 'auditors'], env)).code).toBe(0);
      expect((await runCli(['user', 'create', '--username', 'gus', '--password', 'long enough password'], env)).code).toBe(0);
      expect((await runCli(['group', 'add-user', 'auditors', 'gus'], env)).stdout).toContain('added gus to auditors');
      expect((await runCli(['group', 'add-user', 'auditors', 'gus'], env)).stdout).toContain('was already in auditors');
      // An administrator's account is confirmed (it can sign in); whether its address is verified is another matter.
      expect(JSON.parse((await runCli(['--json', 'user', 'show', 'gus'], env)).stdout)).toMatchObject({ groups: ['auditors'], email_verified: false, status: 'confirmed' });
    });

    it('creates unconfirmed users only when asked, and updates attributes, refusing an immutable one that is set', async () => {
      const created = JSON.parse((await runCli(['--json', 'user', 'create', '--email', 'hal@example.com', '--password', 'long enough password', '--unconfirmed', '--verified'], env)).stdout) as Record<string, unknown>;
      expect(created).toMatchObject({ status: 'unconfirmed', email_verified: true });

      expect((await runCli(['attribute', 'declare', 'badge', '--type', 'string', '--immutable'], env)).code).toBe(0);
      const updated = await runCli(['--json', 'user', 'update', 'HAL@example.com', '--username', 'hal', '--given-name', 'Hal', '--attribute', 'badge=B-7', '--email', 'hal9000@example.com'], env);
      expect(updated.code, updated.stderr).toBe(0);
      expect(JSON.parse(updated.stdout)).toMatchObject({ id: created.id, username: 'hal', email: 'hal9000@example.com', email_verified: false, profile: { given_name: 'Hal' }, custom_attributes: { badge: 'B-7' } });

      const immutable = await runCli(['--json', 'user', 'update', 'hal', '--attribute', 'custom:badge=B-8'], env);
      expect(immutable.code).toBe(1);
      expect(immutable.stderr).toContain('custom:badge');
      expect(JSON.parse(immutable.stdout)).toMatchObject({ error: 'invalid_request' });
      const taken = await runCli(['user', 'update', 'hal', '--username', 'GUS'], env);
      expect(taken.code).toBe(1);
      expect(taken.stderr).toContain('already exists');
      expect((await runCli(['user', 'update', 'hal', '--verified', '--unverified'], env)).code).toBe(1);
      expect(JSON.parse((await runCli(['--json', 'user', 'update', 'hal', '--verified', '--given-name', ''], env)).stdout)).toMatchObject({ email_verified: true, profile: {} });
    });
  });

  it('refuses to start with a bad configuration, naming the variable', async () => {
    const port = await freePort();
    await expect(spawnServer({ ...env, PORT: String(port), DATABASE_URL: 'mysql://nope' }, port)).rejects.toThrow(/DATABASE_URL: must be a postgres:\/\/ URL/);
    await expect(spawnServer({ ...env, PORT: String(port), LATCHKEY_SECRET: 'too-short' }, port)).rejects.toThrow(/LATCHKEY_SECRET/);
  });
});
