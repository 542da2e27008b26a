import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { currentBackend, type TestDatabase } from '../support/backend.js';
import { migratedCliDatabase } from '../support/cli-database.js';
import { runCli } from '../support/processes.js';

/** `latchkey provider add|list|remove`, as an administrator runs it. */
describe(`latchkey provider (${currentBackend()})`, () => {
  let database: TestDatabase;
  let env: Record<string, string>;

  beforeAll(async () => {
    ({ database, env } = await migratedCliDatabase());
  });
  afterAll(async () => {
    await database?.drop();
  });

  it('adds a provider with a secret from standard input, lists it without the secret, refuses to overwrite it, and removes it', async () => {
    const added = await runCli(['--json', 'provider', 'add', 'acme', '--issuer', 'http://127.0.0.1:9/acme', '--client-id', 'latchkey-at-acme', '--client-secret', '-', '--display-name', 'Acme SSO', '--trust-email'], env, 'upstream-secret-value\n');
    expect(added.code, added.stderr).toBe(0);
    expect(JSON.parse(added.stdout)).toMatchObject({ name: 'acme', display_name: 'Acme SSO', client_id: 'latchkey-at-acme', has_client_secret: true, scopes: 'openid email profile', trusts_email_verification: true });
    expect(added.stdout).not.toContain('upstream-secret-value');

    const again = await runCli(['provider', 'add', 'acme', '--issuer', 'http://127.0.0.1:9/other', '--client-id', 'x'], env);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('create never overwrites');

    const listed = await runCli(['provider', 'list'], env);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(/acme\s+Acme SSO\s+http:\/\/127\.0\.0\.1:9\/acme\s+latchkey-at-acme\s+set/);
    expect(listed.stdout).not.toContain('upstream-secret-value');
    const json = await runCli(['--json', 'provider', 'list'], env);
    expect(json.stdout).not.toContain('upstream-secret-value');
    expect(json.stdout).not.toContain('sealed');

    const removed = await runCli(['provider', 'remove', 'acme'], env);
    expect(removed.code, removed.stderr).toBe(0);
    expect(removed.stdout).toBe('removed provider acme (http://127.0.0.1:9/acme); 0 linked identities and their users kept\n');
    expect((await runCli(['provider', 'list'], env)).stdout).toBe('(none)\n');
    const gone = await runCli(['provider', 'remove', 'acme'], env);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain('no provider "acme"');
  });

  it('refuses a malformed name, a non-https issuer and scopes without openid, with exit code 1 and the reasons', async () => {
    const bad = await runCli(['provider', 'add', 'Bad_Name', '--issuer', 'http://idp.example.com', '--client-id', 'x', '--scope', 'email'], env);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('name: must be 1-32 characters');
    expect(bad.stderr).toContain('scope: must be space-separated scopes including openid');
    const http = await runCli(['provider', 'add', 'plain', '--issuer', 'http://idp.example.com', '--client-id', 'x'], env);
    expect(http.code).toBe(1);
    expect(http.stderr).toContain('issuer: must be an https URL');
  });
});
