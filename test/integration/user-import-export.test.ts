import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import * as oidc from 'openid-client';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Services } from '../../src/services.js';
import { createTestDatabase, currentBackend } from '../support/backend.js';
import { argon2Parameters, REDIRECT_URI } from '../support/fixtures.js';
import { openLoginPage, signInToCallback } from '../support/flows.js';
import { discover, useTestServer } from '../support/harness.js';
import { cliEnv } from '../support/cli-database.js';
import { runCli } from '../support/processes.js';
import { snapshot } from '../support/snapshot.js';
import { startTestServer } from '../support/test-server.js';
import { GENERATED_KINDS, generatedCsv, hashesByKind, kindOf, passwordOf, usernameOf, type GeneratedKind } from '../support/user-import-files.js';
import { UserAgent } from '../support/user-agent.js';

const USERS = 10_000;

/** A writable that keeps what it is given, for exports. */
class Sink extends Writable {
  text = '';
  override _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    this.text += chunk.toString('utf8');
    done();
  }
}

async function exported(services: Services, format: 'csv' | 'json', includeHashes: boolean): Promise<string> {
  const sink = new Sink();
  await services.transfer.exportUsers({ format, includeHashes, output: sink });
  return sink.text;
}

/** Exported JSON lines by id, without the timestamps a new database gives anew. */
function usersById(jsonLines: string): Map<string, Record<string, unknown>> {
  const users = jsonLines.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
  return new Map(users.map(({ created_at: _c, updated_at: _u, ...user }) => [user.id as string, user]));
}

async function prepare(services: Services): Promise<void> {
  await services.providers.add({ name: 'corp', issuer: 'https://idp.corp.example', clientId: 'latchkey' });
  await services.attributes.declare({ name: 'tier', type: 'string' });
}

describe(`user import and export (${currentBackend()})`, () => {
  const ctx = useTestServer();
  let hashes: Map<GeneratedKind, string>;
  const users = async (sql = 'SELECT count(*)::int AS n FROM users') => (await ctx.server.db.query<{ n: number }>(sql)).rows[0]!.n;
  const importedEvents = () => users(`SELECT count(*)::int AS n FROM audit_events WHERE type = 'user.imported'`);

  beforeAll(async () => {
    hashes = await hashesByKind();
    await prepare(ctx.server.latchkey.services);
  });

  describe('latchkey users import and export', () => {
    let env: Record<string, string>;
    let dir: string;
    beforeAll(() => {
      env = cliEnv(ctx.database);
      dir = mkdtempSync(join(tmpdir(), 'lk-transfer-'));
    });

    it('imports a file with a report, exits 4 when a row was rejected, and exports to a file', async () => {
      const file = join(dir, 'users.jsonl');
      writeFileSync(file, `${JSON.stringify({ username: 'cli-one', password_hash: hashes.get('bcrypt') })}\n${JSON.stringify({ username: 'cli-two', password_hash: '$md5$nope' })}\n`);
      const reportFile = join(dir, 'report.json');
      const imported = await runCli(['--json', 'users', 'import', file, '--format', 'json', '--report', reportFile], env);
      expect(imported.code, imported.stderr).toBe(4);
      const report = JSON.parse(imported.stdout) as Record<string, unknown>;
      expect(report).toMatchObject({ total: 2, created: 1, rejected_count: 1, rejected: [{ line: 2, identifier: 'cli-two', reason: expect.stringMatching(/^unknown password hash format/) }] });
      expect(JSON.parse(readFileSync(reportFile, 'utf8'))).toEqual(report);

      const again = await runCli(['users', 'import', file, '--format', 'json'], env);
      expect(again.code).toBe(4);
      expect(again.stdout).toMatch(/2 rows: 0 created, 0 updated, 1 unchanged, 1 rejected/);
      expect(again.stdout).toMatch(/line 2 \(cli-two\): unknown password hash format/);

      const output = join(dir, 'export.csv');
      const exportedFile = await runCli(['--json', 'users', 'export', '--output', output], env);
      expect(exportedFile.code, exportedFile.stderr).toBe(0);
      expect(JSON.parse(exportedFile.stdout)).toMatchObject({ include_hashes: false, format: 'csv' });
      const text = readFileSync(output, 'utf8');
      expect(text).toContain('cli-one');
      expect(text).not.toContain('$2a$');
      const plain = await runCli(['users', 'export', '--format', 'json'], env);
      expect(plain.code).toBe(0);
      expect(JSON.parse(plain.stdout)).not.toHaveProperty('password_hash');
      const toStdout = await runCli(['users', 'export', '--format', 'json', '--include-hashes'], env);
      expect(toStdout.code).toBe(0);
      expect(JSON.parse(toStdout.stdout)).toMatchObject({ username: 'cli-one', password_hash: hashes.get('bcrypt') });
      expect(toStdout.stderr).toBe('exported 1 users with password hashes\n');
    });
  });

  it('imports 10,000 users of mixed hash types from a Cognito CSV, one batch at a time, rejecting bad rows with reasons and writing nothing for them', { timeout: 120_000 }, async () => {
    const { services } = ctx.server.latchkey;
    const [usersBefore, eventsBefore] = [await users(), await importedEvents()];
    const file = generatedCsv(USERS, hashes);
    let producedAtFirstBatch = 0;
    const report = await services.transfer.importUsers({ input: file.stream, format: 'csv', onProgress: () => { producedAtFirstBatch ||= file.produced(); } });

    expect(report).toMatchObject({ total: USERS + file.badAt.size, created: USERS, updated: 0, unchanged: 0, rejectedCount: file.badAt.size, dryRun: false });
    expect(report.rejected.map(({ line, identifier }) => ({ line, identifier }))).toEqual([...file.badAt].map(([line, bad]) => ({ line, identifier: bad.identifier })));
    for (const rejected of report.rejected) expect(rejected.reason.startsWith(file.badAt.get(rejected.line)!.reason), rejected.reason).toBe(true);
    expect(report.groupsCreated.sort()).toEqual(['imported', ...GENERATED_KINDS.map((kind) => `kind-${kind}`)].sort());
    // The engine wrote the first batch long before it had read the file.
    expect(producedAtFirstBatch).toBeGreaterThan(0);
    expect(producedAtFirstBatch).toBeLessThan(2_000);

    expect(await users()).toBe(usersBefore + USERS);
    expect(await importedEvents()).toBe(eventsBefore + USERS);
    for (const { identifier } of file.badAt.values()) await expect(services.users.resolve(identifier)).rejects.toMatchObject({ code: 'not_found' });
    expect((await services.groups.list()).map((group) => group.name)).not.toContain('only-for-rejected');
    const grouped = await services.groups.list();
    expect(grouped.find((group) => group.name === 'imported')?.members).toBe(USERS);

    // Without a hash: a linked identity signs in upstream (confirmed); nothing at all means a reset first.
    const federated = await services.users.resolve(usernameOf(6));
    expect(federated).toMatchObject({ status: 'confirmed', password_hash: null, email_verified: true, phone_number: '+49300000006', profile: { name: 'User 6', given_name: 'User', family_name: '6' }, custom_attributes: { tier: 'silver' } });
    expect((await services.identities.listForUser(federated.id)).map(({ provider, issuer, subject }) => ({ provider, issuer, subject }))).toEqual([{ provider: 'corp', issuer: 'https://idp.corp.example', subject: 'subject-6' }]);
    expect(await services.users.resolve(usernameOf(13))).toMatchObject({ status: 'reset_required', password_hash: null });
    expect(await services.groups.namesOf(federated.id)).toEqual(['imported', 'kind-none']);
  });

  it('signs a user of each hash type in with the old password through password sign-in, and stores argon2id at the pool parameters afterwards', async () => {
    const { services } = ctx.server.latchkey;
    for (const [position, kind] of GENERATED_KINDS.entries()) {
      if (kind === 'none') continue;
      const index = position + 7 * 100;
      expect(kindOf(index)).toBe(kind);
      const before = await services.users.resolve(usernameOf(index));
      expect(before.password_hash).toBe(hashes.get(kind));
      const wrong = await services.users.verifyPassword(await services.users.findSignInAccount(usernameOf(index)), `${passwordOf(kind)}!`);
      expect(wrong, kind).toEqual({ ok: false, reason: 'invalid_credentials' });
      const result = await services.users.verifyPassword(await services.users.findSignInAccount(`${usernameOf(index)}@example.com`), passwordOf(kind));
      expect(result, kind).toMatchObject({ ok: true, amr: ['pwd'] });
      const after = (await services.users.resolve(usernameOf(index))).password_hash!;
      expect(argon2Parameters(after), kind).toEqual({ type: 'argon2id', params: { m: '19456', t: '2', p: '1' } });
      expect(await services.hasher.verify(after, passwordOf(kind))).toEqual({ valid: true, needsRehash: false });
      expect(await services.users.verifyPassword(await services.users.findSignInAccount(usernameOf(index)), passwordOf(kind)), kind).toMatchObject({ ok: true });
    }
    const mustReset = await services.users.verifyPassword(await services.users.findSignInAccount(usernameOf(13)), passwordOf('none'));
    expect(mustReset).toEqual({ ok: false, reason: 'invalid_credentials' });
  });

  it('finds every user again when the same file is imported twice: all unchanged, no duplicate, no new event, upgraded passwords kept', { timeout: 120_000 }, async () => {
    const { services } = ctx.server.latchkey;
    const [usersBefore, before] = [await users(), await importedEvents()];
    const file = generatedCsv(USERS, hashes);
    const report = await services.transfer.importUsers({ input: file.stream, format: 'csv' });
    expect(report).toMatchObject({ total: USERS + file.badAt.size, created: 0, updated: 0, unchanged: USERS, rejectedCount: file.badAt.size, groupsCreated: [] });
    expect(await users()).toBe(usersBefore);
    expect(await importedEvents()).toBe(before);
    expect(argon2Parameters((await services.users.resolve(usernameOf(701))).password_hash!).type).toBe('argon2id');
  });

  it('reports in a dry run what an import would do and writes nothing; the same file then does it', async () => {
    const { services } = ctx.server.latchkey;
    const lines = [
      { username: 'dry-new-1', email: 'dry1@example.com', password_hash: hashes.get('bcrypt'), groups: ['dry-group'] },
      { username: 'dry-new-2', password_hash: hashes.get('scrypt'), status: 'confirmed', enabled: false },
      { username: usernameOf(1), profile: { name: 'Renamed One', nickname: null }, custom_attributes: { tier: 'platinum' } },
      { username: usernameOf(2), email: `${usernameOf(2)}@example.com` },
      { username: 'dry-bad', identities: [{ provider: 'corp', subject: 'subject-6' }] },
    ].map((line) => JSON.stringify(line)).join('\n');
    const before = await snapshot(ctx.server.db);
    const eventsBefore = await importedEvents();
    const dry = await services.transfer.importUsers({ input: Readable.from([lines]), format: 'json', dryRun: true });
    const expected = { total: 5, created: 2, updated: 1, unchanged: 1, rejectedCount: 1, rejected: [{ line: 5, identifier: 'dry-bad', reason: 'the corp identity is linked to another user' }], groupsCreated: ['dry-group'] };
    expect(dry).toEqual({ ...expected, dryRun: true });
    expect(await snapshot(ctx.server.db)).toBe(before);
    expect(await importedEvents()).toBe(eventsBefore);

    const real = await services.transfer.importUsers({ input: Readable.from([lines]), format: 'json' });
    expect(real).toEqual({ ...expected, dryRun: false });
    expect(await services.users.resolve(usernameOf(1))).toMatchObject({ profile: { name: 'Renamed One', given_name: 'User', family_name: '1' }, custom_attributes: { tier: 'platinum' } });
    expect(await services.users.resolve('dry-new-2')).toMatchObject({ enabled: false, status: 'confirmed', email: null });
    const events = await ctx.server.db.query<{ details: Record<string, unknown> }>(`SELECT details FROM audit_events WHERE type = 'user.imported' AND subject_id = $1`, [(await services.users.resolve(usernameOf(1))).id]);
    expect(events.rows.map((row) => row.details)).toEqual([{ action: 'created' }, { action: 'updated', fields: ['profile', 'custom_attributes'] }]);
  });

  it('signs an imported user in on the hosted login page, and an import that disables them ends their sessions and tokens', async () => {
    const { services } = ctx.server.latchkey;
    const client = await services.clients.create({ name: 'Imported users app', redirectUris: [REDIRECT_URI] });
    const config = await discover(ctx.server, client);
    const agent = new UserAgent();
    const { page, verifier } = await openLoginPage(agent, config, { scope: 'openid' });
    const tokens = await oidc.authorizationCodeGrant(config, new URL(await signInToCallback(agent, page, usernameOf(4), passwordOf(kindOf(4)))), { pkceCodeVerifier: verifier });
    const user = await services.users.resolve(usernameOf(4));
    expect(tokens.claims()!.sub).toBe(user.id);
    expect(argon2Parameters(user.password_hash!).type).toBe('argon2id');
    const stored = async () => (await ctx.server.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM oidc_model WHERE payload->>'accountId' = $1`, [user.id])).rows[0]!.n;
    expect(await stored()).toBeGreaterThan(0);

    const report = await services.transfer.importUsers({ input: Readable.from([JSON.stringify({ username: usernameOf(4), enabled: false })]), format: 'json' });
    expect(report).toMatchObject({ updated: 1, rejectedCount: 0 });
    expect(await stored()).toBe(0);
    await expect(oidc.fetchUserInfo(config, tokens.access_token, user.id)).rejects.toThrow();
  });

  it('undoes everything a row wrote when the database refuses it, whether it came through the batch or row by row', async () => {
    const { services } = ctx.server.latchkey;
    const before = await services.users.resolve(usernameOf(3));
    const nul = 'subject\u0000with a NUL';
    const lines = [
      { username: 'nul-neighbour', password_hash: hashes.get('bcrypt') },
      // New: its bulk insert fails, so the batch runs again row by row.
      { username: 'nul-new', password_hash: hashes.get('bcrypt'), groups: ['nul-group-new'], identities: [{ provider: 'corp', subject: nul }] },
      // Existing: the profile and the membership are written before the identity is refused.
      { username: usernameOf(3), profile: { nickname: 'Three' }, groups: ['imported', 'kind-pbkdf2-passlib', 'nul-group-old'], identities: [{ provider: 'corp', subject: nul }] },
    ].map((line) => JSON.stringify(line)).join('\n');
    const report = await services.transfer.importUsers({ input: Readable.from([lines]), format: 'json' });
    const refused = 'a value is malformed or out of range for the database';
    expect(report).toMatchObject({ created: 1, updated: 0, unchanged: 0, rejected: [{ line: 2, identifier: 'nul-new', reason: refused }, { line: 3, identifier: usernameOf(3), reason: refused }], groupsCreated: [] });
    expect((await services.users.resolve('nul-neighbour')).username).toBe('nul-neighbour');
    await expect(services.users.resolve('nul-new')).rejects.toMatchObject({ code: 'not_found' });
    expect(await services.users.resolve(usernameOf(3))).toEqual(before);
    expect(await services.groups.namesOf(before.id)).toEqual(['imported', 'kind-pbkdf2-passlib']);
    expect((await services.groups.list()).map((group) => group.name)).not.toContain('nul-group-old');
    expect((await services.groups.list()).map((group) => group.name)).not.toContain('nul-group-new');
  });

  it('creates each user once when two imports of one file run at the same time', async () => {
    const { services } = ctx.server.latchkey;
    const lines = Array.from({ length: 300 }, (_, i) => JSON.stringify({ username: `twice-${i}`, password_hash: hashes.get('pbkdf2-django'), groups: ['twice'] })).join('\n');
    const before = await users();
    const [a, b] = await Promise.all([0, 1].map(() => services.transfer.importUsers({ input: Readable.from([lines]), format: 'json' })));
    expect(a!.created + b!.created).toBe(300);
    expect(a!.created + a!.unchanged).toBe(300);
    expect(b!.created + b!.unchanged).toBe(300);
    expect(a!.rejectedCount + b!.rejectedCount).toBe(0);
    expect(await users()).toBe(before + 300);
  });

  it('exports users with hashes, groups and identities, and importing the export into an empty database reproduces them (CSV and JSON alike)', { timeout: 180_000 }, async () => {
    const { services } = ctx.server.latchkey;
    const json = await exported(services, 'json', true);
    const csv = await exported(services, 'csv', true);
    const original = usersById(json);
    expect(original.size).toBe(await users());
    expect(csv.split('\n')[0]).toBe('name,given_name,family_name,middle_name,nickname,preferred_username,profile,picture,website,email,email_verified,gender,birthdate,zoneinfo,locale,phone_number,phone_number_verified,address,updated_at,cognito:mfa_enabled,cognito:username,custom:tier,latchkey:id,latchkey:password_hash,latchkey:groups,latchkey:identities,latchkey:status,latchkey:enabled');
    const withoutHashes = await exported(services, 'csv', false);
    expect(/password_hash|\$argon2id\$|\$2a\$|\$pbkdf2-sha256\$|pbkdf2_sha256\$|\$scrypt\$|\$firebase-scrypt\$/.test(withoutHashes)).toBe(false);

    const database = await createTestDatabase();
    const second = await startTestServer({ env: database.env });
    try {
      const target = second.latchkey.services;
      await prepare(target);
      const fromCsv = await target.transfer.importUsers({ input: Readable.from([csv]), format: 'csv' });
      expect(fromCsv).toMatchObject({ created: original.size, updated: 0, unchanged: 0, rejectedCount: 0 });
      expect(usersById(await exported(target, 'json', true))).toEqual(original);
      const fromJson = await target.transfer.importUsers({ input: Readable.from([json]), format: 'json' });
      // The JSON export describes exactly what the CSV import made: every line finds its user unchanged.
      expect(fromJson).toMatchObject({ created: 0, updated: 0, unchanged: original.size, rejectedCount: 0 });
    } finally {
      await second.close();
      await database.drop();
    }
  });

});
