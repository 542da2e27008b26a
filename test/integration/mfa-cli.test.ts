import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import type { Database } from '../../src/db/database.js';
import { openDatabase } from '../../src/db/open-database.js';
import { systemClock } from '../../src/lib/clock.js';
import { createLogger } from '../../src/lib/logger.js';
import { createServices, type Services } from '../../src/services.js';
import { createTestDatabase, currentBackend, type TestDatabase } from '../support/backend.js';
import { PASSWORD } from '../support/fixtures.js';
import { runCli } from '../support/processes.js';
import { LogCapture, TEST_SECRET } from '../support/test-server.js';
import { authenticatorCode } from '../support/totp.js';

/**
 * The operator's MFA commands as an administrator runs them: `user reset-mfa`, `pool set-mfa`, `group set-mfa`.
 * The test holds the database open (as a server would; embedded: the CLI goes through its socket) to set up
 * an authenticator through the service and to read what the commands changed.
 */
describe(`latchkey MFA commands (${currentBackend()})`, () => {
  let database: TestDatabase;
  let env: Record<string, string>;
  let db: Database;
  let services: Services;

  beforeAll(async () => {
    database = await createTestDatabase();
    env = { ...database.env, LOG_LEVEL: 'warn', LATCHKEY_SECRET: TEST_SECRET };
    const migrated = await runCli(['migrate'], env);
    expect(migrated.code, migrated.stderr).toBe(0);
    const config = loadConfig(env);
    db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, role: 'server', maxConnections: 4 });
    services = createServices({ config, db, secrets: [TEST_SECRET], logger: createLogger('warn', new LogCapture()) });
  });
  afterAll(async () => {
    await db?.close();
    await database?.drop();
  });

  it('user reset-mfa removes the authenticator and the recovery codes and says so; a user without MFA is told nothing was removed; an unknown user exits 1', async () => {
    const user = await services.users.create({ username: 'olga', email: 'olga@example.com', emailVerified: true, password: PASSWORD });
    const { secret } = await services.mfa.beginEnrolment(user);
    expect(await services.mfa.confirmEnrolment(user.id, authenticatorCode(secret, systemClock))).toMatchObject({ ok: true });

    const reset = await runCli(['user', 'reset-mfa', 'olga@example.com'], env);
    expect(reset.code, reset.stderr).toBe(0);
    expect(reset.stdout.trim()).toBe(`removed the authenticator and 10 recovery codes of ${user.id}`);
    expect(await services.mfa.status(user.id)).toMatchObject({ enrolled: false, recoveryCodesLeft: 0 });

    const again = await runCli(['--json', 'user', 'reset-mfa', 'olga'], env);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toEqual({ user: user.id, removed: { totp: null, recovery_codes: 0 } });

    const unknown = await runCli(['user', 'reset-mfa', 'nobody@example.com'], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('nobody@example.com');
  });

  it('pool set-mfa sets the mode the sign-in reads, refusing an unknown mode with exit 1', async () => {
    const user = await services.users.create({ username: 'pete', email: 'pete@example.com', emailVerified: true, password: PASSWORD });
    const required = await runCli(['--json', 'pool', 'set-mfa', 'required'], env);
    expect(required.code, required.stderr).toBe(0);
    expect(JSON.parse(required.stdout)).toEqual({ mfa_mode: 'required' });
    expect(await services.mfa.isRequiredFor(user.id)).toBe(true);

    const bad = await runCli(['pool', 'set-mfa', 'sometimes'], env);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('off, optional, required');
    expect(await services.mfa.mode()).toBe('required');
    expect((await runCli(['pool', 'set-mfa', 'optional'], env)).stdout.trim()).toBe('two-step verification: optional');
    expect(await services.mfa.isRequiredFor(user.id)).toBe(false);
  });

  it("group set-mfa makes its members' MFA required (not while the pool's mode is off) and optional again; an unknown group exits 1", async () => {
    const user = await services.users.create({ username: 'quinn', email: 'quinn@example.com', emailVerified: true, password: PASSWORD });
    expect((await runCli(['group', 'create', 'ops'], env)).code).toBe(0);
    expect((await runCli(['group', 'add-user', 'ops', 'quinn'], env)).code).toBe(0);
    const set = await runCli(['group', 'set-mfa', 'ops', 'required'], env);
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout.trim()).toBe('two-step verification for members of ops: required');
    expect(await services.mfa.isRequiredFor(user.id)).toBe(true);
    await services.mfa.setMode('off');
    expect(await services.mfa.isRequiredFor(user.id)).toBe(false);
    await services.mfa.setMode('optional');
    expect((await runCli(['group', 'set-mfa', 'ops', 'optional'], env)).code).toBe(0);
    expect(await services.mfa.isRequiredFor(user.id)).toBe(false);

    const unknown = await runCli(['group', 'set-mfa', 'nope', 'required'], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no group "nope"');
    expect((await runCli(['group', 'set-mfa', 'ops', 'maybe'], env)).code).toBe(1);
  });
});
