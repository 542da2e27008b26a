import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.js';
import { defaultMigrationsDir, migrate, readMigrations } from '../../src/db/migrate.js';
import { openDatabase } from '../../src/db/open-database.js';
import { createPasswordHasher } from '../../src/directory/password-hasher.js';
import { createPasswordPolicy } from '../../src/directory/password-policy.js';
import { createUserService } from '../../src/directory/user-service.js';
import { InvalidRequestError, NotFoundError } from '../../src/errors/app-error.js';
import { createTestDatabase, currentBackend, type TestDatabase } from '../support/backend.js';
import { migratedCliDatabase } from '../support/cli-database.js';
import { runCli } from '../support/processes.js';

/** The password policy where passwords are set: the CLI as an administrator runs it, and the user service. */
describe(`password policy: latchkey user create (${currentBackend()})`, () => {
  let database: TestDatabase;
  let env: Record<string, string>;

  beforeAll(async () => {
    ({ database, env } = await migratedCliDatabase());
  });
  afterAll(async () => {
    await database?.drop();
  });

  it('exits 1 naming every broken rule for a short, common password, and creates nobody', async () => {
    const refused = await runCli(['user', 'create', '--username', 'ivy', '--password', 'password123'], env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('the password does not meet the password policy');
    expect(refused.stderr).toContain('password: At least 15 characters.');
    expect(refused.stderr).toContain('password: Not one of the 10,000 most common passwords.');
    expect(refused.stderr).not.toContain('personal');
    expect((await runCli(['user', 'show', 'ivy'], env)).code).toBe(1);
  });

  it('refuses a password containing the e-mail address\'s local part, read from standard input, with JSON details', async () => {
    const refused = await runCli(['--json', 'user', 'create', '--email', 'juniper@example.com', '--password', '-'], env, 'Juniper is my favourite tree\n');
    expect(refused.code).toBe(1);
    expect(JSON.parse(refused.stdout)).toEqual({
      error: 'invalid_request',
      error_description: 'the password does not meet the password policy',
      details: [{ path: 'password', message: 'Does not contain your username or e-mail address.' }],
    });
    expect((await runCli(['user', 'show', 'juniper@example.com'], env)).code).toBe(1);
  });

  it('creates the user when the password meets every rule', async () => {
    const created = await runCli(['user', 'create', '--email', 'kit@example.com', '--password', '-'], env, 'lanterns over the quiet harbour\n');
    expect(created.code, created.stderr).toBe(0);
    expect((await runCli(['user', 'show', 'kit@example.com'], env)).code).toBe(0);
  });
});

describe(`password policy: the user service's dependency (${currentBackend()})`, () => {
  let database: TestDatabase;
  let db: Database;
  const hasher = createPasswordHasher();

  beforeAll(async () => {
    database = await createTestDatabase();
    db = await openDatabase({ databaseUrl: database.env.DATABASE_URL ?? null, dataDir: database.env.LATCHKEY_DATA_DIR ?? '', maxConnections: 5 });
    await migrate(db, readMigrations(defaultMigrationsDir()));
  });
  afterAll(async () => {
    await db?.close();
    await database?.drop();
  });

  it('applies the policy it is given: a digit required, 8 characters enough', async () => {
    const users = createUserService({ db, hasher, passwordPolicy: createPasswordPolicy({ minLength: 8, requireDigit: true }) });
    const refusal = await users.create({ username: 'lena', password: 'no digits in here' }).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(InvalidRequestError);
    expect((refusal as InvalidRequestError).details).toEqual([{ path: 'password', message: 'At least one digit.' }]);
    await expect(users.resolve('lena')).rejects.toBeInstanceOf(NotFoundError);

    const created = await users.create({ username: 'lena', password: 'tide 4 moon' });
    expect(created.password_hash).toMatch(/^\$argon2id\$/);
  });

  it('applies the documented defaults when given none', async () => {
    const users = createUserService({ db, hasher });
    const refusal = await users.create({ username: 'milo', password: 'tide 4 moon' }).catch((error: unknown) => error);
    expect((refusal as InvalidRequestError).details).toEqual([{ path: 'password', message: 'At least 15 characters.' }]);
    const personal = await users.create({ username: 'milo', email: 'milo.m@example.com', password: 'MILO.M sails at dawn' }).catch((error: unknown) => error);
    expect((personal as InvalidRequestError).details).toEqual([{ path: 'password', message: 'Does not contain your username or e-mail address.' }]);
    await expect(users.resolve('milo')).rejects.toBeInstanceOf(NotFoundError);
  });
});
