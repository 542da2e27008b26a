import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sweepExpiredSrpChallenges } from '../../src/cognito/srp/srp-challenges.js';
import { createSrpSignIn, type SrpSignIn } from '../../src/cognito/srp/srp-sign-in.js';
import type { Database } from '../../src/db/database.js';
import { defaultMigrationsDir, migrate, readMigrations } from '../../src/db/migrate.js';
import { openDatabase } from '../../src/db/open-database.js';
import { createPasswordHasher } from '../../src/directory/password-hasher.js';
import { createSrpVerifiers, type SrpVerifiers } from '../../src/directory/srp-verifiers.js';
import { createUserPoolSettings } from '../../src/directory/user-pool-settings.js';
import { createUserService, type UserService } from '../../src/directory/user-service.js';
import { InvalidRequestError } from '../../src/errors/app-error.js';
import { createSecretBox } from '../../src/lib/secret-box.js';
import { createTestDatabase, currentBackend, type TestDatabase } from '../support/backend.js';
import { createTestClock, type TestClock } from '../support/clock.js';
import { foreignHash } from '../support/foreign-hashes.js';
import { srpClient } from '../support/srp-client.js';

const SECRET = 'srp-verifier-secret-0123456789abcdef0123456789abcdef';
const CLIENT = 'srp-test-client';

describe(`SRP verifiers and challenges (${currentBackend()})`, () => {
  let database: TestDatabase;
  let db: Database;
  let users: UserService;
  let verifiers: SrpVerifiers;
  let srp: SrpSignIn;
  let clock: TestClock;
  let poolName: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    db = await openDatabase({ databaseUrl: database.env.DATABASE_URL ?? null, dataDir: database.env.LATCHKEY_DATA_DIR ?? '', maxConnections: 10 });
    await migrate(db, readMigrations(defaultMigrationsDir()));
    const userPool = createUserPoolSettings({ db, region: 'us-east-1' });
    poolName = (await userPool.identifiers()).poolName;
    verifiers = createSrpVerifiers({ db, box: createSecretBox([SECRET]) });
    users = createUserService({ db, hasher: createPasswordHasher({ memoryCost: 1024, timeCost: 1, parallelism: 1 }), srp: verifiers });
    clock = createTestClock();
    srp = createSrpSignIn({ db, verifiers, secrets: [SECRET], clock });
  });
  afterAll(async () => {
    await db?.close();
    await database?.drop();
  });

  /** One USER_SRP_AUTH as amazon-cognito-identity-js runs it; the user it proved, or undefined. */
  async function srpSignIn(username: string, password: string): Promise<string | undefined> {
    const client = srpClient(poolName);
    const { user } = await users.findSignInAccount(username);
    const { ChallengeParameters } = await srp.startSrp({ username, user, clientId: CLIENT, A: client.A });
    const answer = client.answer(ChallengeParameters, password);
    const result = await srp.verifyPasswordClaim({ secretBlock: answer.PASSWORD_CLAIM_SECRET_BLOCK, userIdForSrp: answer.USERNAME, timestamp: answer.TIMESTAMP, signature: answer.PASSWORD_CLAIM_SIGNATURE, clientId: CLIENT });
    return result.ok ? result.userId : undefined;
  }

  async function storedRow(userId: string): Promise<Record<string, unknown> | undefined> {
    const { rows } = await db.query<Record<string, unknown>>('SELECT * FROM srp_verifiers WHERE user_id = $1', [userId]);
    return rows[0];
  }

  async function signInWithPassword(username: string, password: string): Promise<boolean> {
    return (await users.verifyPassword(await users.findSignInAccount(username), password)).ok;
  }

  it('a user created with a password gets a verifier for this pool, and signs in by SRP with it', async () => {
    const user = await users.create({ username: 'srp-created', email: 'srp-created@example.com', password: 'Created-pass-word-ok-1' });
    const stored = await verifiers.find(user.id);
    expect(stored?.poolName).toBe(poolName);
    expect(await srpSignIn('srp-created', 'Created-pass-word-ok-1')).toBe(user.id);
    expect(await srpSignIn('srp-created@example.com', 'Created-pass-word-ok-1')).toBe(user.id);
    expect(await srpSignIn('srp-created', 'Created-pass-word-ok-2')).toBeUndefined();
    const { rows } = await db.query<{ outcome: string; details: Record<string, unknown> }>(
      "SELECT outcome, details FROM audit_events WHERE type = 'sign_in.password' AND subject_id = $1 ORDER BY id", [user.id]);
    expect(rows.map((row) => [row.outcome, row.details.method, row.details.reason ?? null])).toEqual([
      ['success', 'srp', null], ['success', 'srp', null], ['failure', 'srp', 'wrong_password'],
    ]);
  });

  it('stores the verifier sealed: the row holds neither its hex nor any long part of it', async () => {
    const user = await users.create({ username: 'srp-sealed', password: 'Sealed-pass-word-ok-1' });
    const { verifier } = (await verifiers.find(user.id))!;
    const row = JSON.stringify(await storedRow(user.id)).toLowerCase();
    expect(row).not.toContain(verifier.slice(0, 32));
    expect(row).not.toContain(verifier.slice(-32));
    expect(row).not.toContain(BigInt(`0x${verifier}`).toString(10).slice(0, 32));
  });

  it('a verifier sealed under a secret no longer configured reads as none, so SRP refuses rather than fails', async () => {
    const user = await users.create({ username: 'srp-rotated', password: 'Rotated-pass-word-ok-1' });
    const other = createSrpVerifiers({ db, box: createSecretBox(['another-secret-0123456789abcdef0123456789abcdef']) });
    expect(await verifiers.find(user.id)).toBeDefined();
    expect(await other.find(user.id)).toBeUndefined();
  });

  it('set, changed and reset passwords replace the verifier: the old password no longer signs in by SRP', async () => {
    const user = await users.create({ username: 'srp-changes', email: 'srp-changes@example.com', password: 'First-pass-word-ok-1' });
    const first = await verifiers.find(user.id);

    await users.setPassword(user.id, 'Second-pass-word-ok-2');
    const second = await verifiers.find(user.id);
    expect(second?.salt).not.toBe(first?.salt);
    expect(await srpSignIn('srp-changes', 'First-pass-word-ok-1')).toBeUndefined();
    expect(await srpSignIn('srp-changes', 'Second-pass-word-ok-2')).toBe(user.id);

    await users.changePassword(user.id, 'Second-pass-word-ok-2', 'Third-pass-word-ok-3');
    expect(await srpSignIn('srp-changes', 'Second-pass-word-ok-2')).toBeUndefined();
    expect(await srpSignIn('srp-changes', 'Third-pass-word-ok-3')).toBe(user.id);

    expect(await users.resetPassword(user.id, 'Fourth-pass-word-ok-4', async () => true)).toBeDefined();
    expect(await srpSignIn('srp-changes', 'Third-pass-word-ok-3')).toBeUndefined();
    expect(await srpSignIn('srp-changes', 'Fourth-pass-word-ok-4')).toBe(user.id);
  });

  it('a password removed (a federated-only user) removes the verifier; deleting the user removes it too', async () => {
    const federated = await users.create({ username: 'srp-federated', password: 'Removed-pass-word-ok-1' });
    await db.query('UPDATE users SET password_hash = NULL WHERE id = $1', [federated.id]);
    expect(await storedRow(federated.id)).toBeUndefined();

    const deleted = await users.create({ username: 'srp-deleted', password: 'Deleted-pass-word-ok-1' });
    expect(await storedRow(deleted.id)).toBeDefined();
    await users.delete(deleted.id);
    expect(await storedRow(deleted.id)).toBeUndefined();
  });

  it('a user with an imported hash gets a verifier at their first password sign-in, then signs in by SRP', async () => {
    const user = await users.create({ username: 'srp-imported' });
    await db.query('UPDATE users SET password_hash = $2 WHERE id = $1', [user.id, await foreignHash('bcrypt', 'Imported-pass-word-ok-1')]);
    expect(await storedRow(user.id)).toBeUndefined();
    // Before: the stand-in answer, refused as a wrong password.
    expect(await srpSignIn('srp-imported', 'Imported-pass-word-ok-1')).toBeUndefined();
    expect(await signInWithPassword('srp-imported', 'Imported-pass-word-ok-1')).toBe(true);
    expect((await verifiers.find(user.id))?.poolName).toBe(poolName);
    expect(await srpSignIn('srp-imported', 'Imported-pass-word-ok-1')).toBe(user.id);
  });

  it('a sign-in derives a verifier that is missing, or was made for another pool name, and leaves a current one alone', async () => {
    const user = await users.create({ username: 'srp-rederived', password: 'Rederived-pass-word-ok-1' });
    await verifiers.remove(user.id);
    expect(await signInWithPassword('srp-rederived', 'Rederived-pass-word-ok-1')).toBe(true);
    const derived = await verifiers.find(user.id);
    expect(derived?.poolName).toBe(poolName);

    expect(await signInWithPassword('srp-rederived', 'Rederived-pass-word-ok-1')).toBe(true);
    expect((await verifiers.find(user.id))?.salt).toBe(derived?.salt);

    await db.query("UPDATE srp_verifiers SET pool_name = 'OtherPool1' WHERE user_id = $1", [user.id]);
    expect(await srpSignIn('srp-rederived', 'Rederived-pass-word-ok-1')).toBeUndefined();
    expect(await signInWithPassword('srp-rederived', 'Rederived-pass-word-ok-1')).toBe(true);
    expect((await verifiers.find(user.id))?.poolName).toBe(poolName);
    expect(await srpSignIn('srp-rederived', 'Rederived-pass-word-ok-1')).toBe(user.id);
  });

  it('a challenge is answered once', async () => {
    const user = await users.create({ username: 'srp-once', password: 'Once-pass-word-ok-1' });
    const client = srpClient(poolName);
    const { ChallengeParameters } = await srp.startSrp({ username: 'srp-once', user, clientId: CLIENT, A: client.A });
    const answer = client.answer(ChallengeParameters, 'Once-pass-word-ok-1');
    const claim = { secretBlock: answer.PASSWORD_CLAIM_SECRET_BLOCK, userIdForSrp: answer.USERNAME, timestamp: answer.TIMESTAMP, signature: answer.PASSWORD_CLAIM_SIGNATURE };
    const [first, second] = await Promise.all([srp.verifyPasswordClaim({ ...claim, clientId: CLIENT }), srp.verifyPasswordClaim({ ...claim, clientId: CLIENT })]);
    expect([first.ok, second.ok].sort()).toEqual([false, true]);
    expect((await srp.verifyPasswordClaim({ ...claim, clientId: CLIENT })).ok).toBe(false);
  });

  it('a challenge is bound to its client, and cancelled by a password change', async () => {
    const user = await users.create({ username: 'srp-bound', password: 'Bound-pass-word-ok-1' });
    const client = srpClient(poolName);
    const { ChallengeParameters } = await srp.startSrp({ username: 'srp-bound', user, clientId: CLIENT, A: client.A });
    const answer = client.answer(ChallengeParameters, 'Bound-pass-word-ok-1');
    const claim = { secretBlock: answer.PASSWORD_CLAIM_SECRET_BLOCK, userIdForSrp: answer.USERNAME, timestamp: answer.TIMESTAMP, signature: answer.PASSWORD_CLAIM_SIGNATURE };
    expect((await srp.verifyPasswordClaim({ ...claim, clientId: 'another-client' })).ok).toBe(false);
    await users.setPassword(user.id, 'Bound-pass-word-ok-2');
    expect((await srp.verifyPasswordClaim({ ...claim, clientId: CLIENT })).ok).toBe(false);
  });

  it('an expired challenge is refused, then removed by the maintenance sweep', async () => {
    const user = await users.create({ username: 'srp-expired', password: 'Expired-pass-word-ok-1' });
    const client = srpClient(poolName);
    const { ChallengeParameters } = await srp.startSrp({ username: 'srp-expired', user, clientId: CLIENT, A: client.A });
    const answer = client.answer(ChallengeParameters, 'Expired-pass-word-ok-1');
    clock.advance(181);
    try {
      const result = await srp.verifyPasswordClaim({ secretBlock: answer.PASSWORD_CLAIM_SECRET_BLOCK, userIdForSrp: answer.USERNAME, timestamp: answer.TIMESTAMP, signature: answer.PASSWORD_CLAIM_SIGNATURE, clientId: CLIENT });
      expect(result.ok).toBe(false);
    } finally {
      clock.reset();
    }
    const count = async () => (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM srp_challenges WHERE user_id = $1', [user.id])).rows[0]!.n;
    expect(await count()).toBe(1);
    await db.query("UPDATE srp_challenges SET expires_at = now() - interval '1 second' WHERE user_id = $1", [user.id]);
    expect(await sweepExpiredSrpChallenges(db)).toBeGreaterThanOrEqual(1);
    expect(await count()).toBe(0);
  });

  it('a name with no account gets the same SALT and USER_ID_FOR_SRP each time, a fresh SRP_B, and fails as a wrong password', async () => {
    const ask = async (username: string) => {
      const client = srpClient(poolName);
      return (await srp.startSrp({ username, user: undefined, clientId: CLIENT, A: client.A })).ChallengeParameters;
    };
    const [first, second, other] = [await ask('nobody-here'), await ask('Nobody-Here'), await ask('someone-else')];
    expect(second.SALT).toBe(first.SALT);
    expect(second.USER_ID_FOR_SRP).toBe(first.USER_ID_FOR_SRP);
    expect(first.USER_ID_FOR_SRP).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(second.SRP_B).not.toBe(first.SRP_B);
    expect(other.SALT).not.toBe(first.SALT);
    expect(first.SALT).toMatch(/^(00)?[0-9a-f]{32}$/);
    expect(await srpSignIn('nobody-here', 'any-password')).toBeUndefined();
  });

  it('refuses an SRP_A that is not hex or is 0 mod N', async () => {
    await expect(srp.startSrp({ username: 'x', user: undefined, clientId: CLIENT, A: '0' })).rejects.toBeInstanceOf(InvalidRequestError);
    await expect(srp.startSrp({ username: 'x', user: undefined, clientId: CLIENT, A: 'zz' })).rejects.toBeInstanceOf(InvalidRequestError);
    const N = 'FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7EDEE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3BE39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA051015728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200CBBE117577A615D6C770988C0BAD946E208E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF';
    await expect(srp.startSrp({ username: 'x', user: undefined, clientId: CLIENT, A: N })).rejects.toBeInstanceOf(InvalidRequestError);
  });
});
