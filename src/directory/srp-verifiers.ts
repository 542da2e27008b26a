import type { Database, Queryable, StatementChange } from '../db/database.js';
import { SecretBoxError, type SecretBox } from '../lib/secret-box.js';
import { deriveSrpVerifier } from '../lib/srp/srp-verifier.js';
import { srpPoolName } from './pool-identifiers.js';
import * as repo from './repositories/srp-verifier.repository.js';
import { findUserPoolSettings } from './repositories/user-pool-settings.repository.js';

/** A user's SRP verifier, opened. */
export interface StoredSrpVerifier {
  /** Changes with every derivation: a challenge made with one verifier dies with it. */
  id: string;
  salt: string;
  /** v, hex. */
  verifier: string;
  poolName: string;
}

/**
 * SRP verifiers (the Cognito API's USER_SRP_AUTH), kept by the directory because only it sees passwords in
 * clear: the user service derives one wherever it stores a new password hash, and a password sign-in derives
 * one when the user has none for this pool (an imported hash, a user from before SRP, a renamed pool).
 * USER_ID_FOR_SRP is the user's `sub`, which never changes, unlike usernames and addresses. Removing or
 * changing the password hash removes the verifier in the database itself (migration 0027's trigger).
 * Cost: one SHA-256 and one 3072-bit exponentiation (a 256-bit exponent, OpenSSL) per derivation.
 */
export interface SrpVerifiers {
  /** The pool name verifiers are derived for now (the user-pool ID after `_`; fixed once the database exists). */
  poolName(): Promise<string>;
  /** Derives the verifier for `password` and stores it on `tx`, if `passwordHash` is still the user's. */
  store(tx: Queryable, userId: string, password: string, passwordHash: string): Promise<void>;
  /** The same as a statement, to be run with others in one round trip (a sign-in's). */
  storeChange(userId: string, password: string, passwordHash: string): Promise<StatementChange>;
  find(userId: string): Promise<StoredSrpVerifier | undefined>;
  /** Forgets the user's verifier (SRP off for them until their next password); true when there was one. */
  remove(userId: string): Promise<boolean>;
  /** Forgets every verifier (SRP off for the pool); returns how many. */
  removeAll(): Promise<number>;
}

/** What the sealed verifier is bound to: a sealed value copied to another user's row does not open. */
const purpose = (userId: string) => `srp-verifier:${userId}`;

export function createSrpVerifiers(deps: { db: Database; box: SecretBox }): SrpVerifiers {
  const { db, box } = deps;
  // The pool name is generated once with the database (migration 0026) and never changes: read once, on the
  // caller's transaction when it is in one (on the embedded database a read beside an open transaction
  // would wait for it to end).
  let poolName: Promise<string> | undefined;
  const currentPoolName = (q: Queryable = db): Promise<string> => {
    poolName ??= findUserPoolSettings(q).then((row) => {
      if (!row.user_pool_id_suffix) throw new Error('the user pool settings row is missing: run latchkey migrate');
      return srpPoolName(row.user_pool_id_suffix);
    }).catch((error: unknown) => {
      poolName = undefined;
      throw error;
    });
    return poolName;
  };
  const change = async (userId: string, password: string, passwordHash: string, q: Queryable = db): Promise<StatementChange> => {
    const name = await currentPoolName(q);
    const { salt, verifier } = deriveSrpVerifier(name, userId, password);
    return repo.srpVerifierUpsert({ userId, salt, verifierSealed: box.seal(verifier, purpose(userId)), poolName: name, passwordHash });
  };
  return {
    poolName: () => currentPoolName(),
    async store(tx, userId, password, passwordHash) {
      const statement = await change(userId, password, passwordHash, tx);
      await tx.query(statement.sql, statement.params);
    },
    storeChange: (userId, password, passwordHash) => change(userId, password, passwordHash),
    async find(userId) {
      const row = await repo.findSrpVerifierByUserId(db, userId);
      if (!row) return undefined;
      try {
        return { id: row.id, salt: row.salt, verifier: box.open(row.verifier_sealed, purpose(userId)), poolName: row.pool_name };
      } catch (error) {
        // Sealed under a secret no longer configured: as if there were none (SRP refuses; a new password derives one).
        if (error instanceof SecretBoxError) return undefined;
        throw error;
      }
    },
    remove: (userId) => repo.deleteSrpVerifierByUserId(db, userId),
    removeAll: () => repo.deleteAllSrpVerifiers(db),
  };
}
