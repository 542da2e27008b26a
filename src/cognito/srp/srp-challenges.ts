import { randomBytes } from 'node:crypto';
import type { Database } from '../../db/database.js';
import type { Clock } from '../../lib/clock.js';
import { deriveKeys, hmacBase64url } from '../../lib/hashing.js';
import type { SecretBox } from '../../lib/secret-box.js';
import * as repo from '../repositories/srp-challenge.repository.js';

/** How long a client has between InitiateAuth and its PASSWORD_VERIFIER answer (Cognito's session lasts 3 minutes). */
export const SRP_CHALLENGE_TTL_SECONDS = 180;
/** SECRET_BLOCK length in bytes: opaque to the client, which echoes it and signs over it. */
const SECRET_BLOCK_BYTES = 64;

/** What a challenge remembers between the two requests. */
export interface SrpChallengeState {
  /** Null for a stand-in (a name with no account or no verifier): such a challenge is never answered. */
  userId: string | null;
  verifierId: string | null;
  userIdForSrp: string;
  poolName: string;
  /** A and B as hex, b and v as hex (sealed at rest). */
  A: string;
  B: string;
  b: string;
  verifier: string;
}

export interface SrpChallenges {
  /** Stores the state for `clientId` and returns the SECRET_BLOCK (base64) that names it. */
  issue(clientId: string, state: SrpChallengeState): Promise<string>;
  /** Spends the challenge a SECRET_BLOCK names (once); undefined when unknown, expired, spent or another client's. */
  consume(clientId: string, secretBlock: string): Promise<SrpChallengeState | undefined>;
}

const sealPurpose = (userIdForSrp: string) => `srp-challenge:${userIdForSrp}`;

/**
 * Server-side PASSWORD_VERIFIER state. The SECRET_BLOCK is 64 random bytes; only its HMAC (keyed from
 * LATCHKEY_SECRET, every secret tried when reading) keys the row, so the table cannot be used to answer a
 * challenge, and b and the verifier are sealed.
 */
export function createSrpChallenges(deps: { db: Database; box: SecretBox; secrets: readonly string[]; clock: Clock }): SrpChallenges {
  const { db, box, clock } = deps;
  const keys = deriveKeys(deps.secrets, 'srp-challenge v1');
  const keyHmacs = (block: Buffer) => keys.map((key) => hmacBase64url(key, block.toString('base64url')));
  return {
    async issue(clientId, state) {
      const block = randomBytes(SECRET_BLOCK_BYTES);
      await repo.insertSrpChallenge(db, {
        keyHmac: keyHmacs(block)[0]!,
        userId: state.userId,
        verifierId: state.verifierId,
        clientId,
        userIdForSrp: state.userIdForSrp,
        poolName: state.poolName,
        aPublic: state.A,
        bPublic: state.B,
        secretSealed: box.seal(JSON.stringify({ b: state.b, v: state.verifier }), sealPurpose(state.userIdForSrp)),
        expiresAt: new Date(clock.now().getTime() + SRP_CHALLENGE_TTL_SECONDS * 1000),
      });
      return block.toString('base64');
    },
    async consume(clientId, secretBlock) {
      const block = Buffer.from(secretBlock, 'base64');
      if (block.length !== SECRET_BLOCK_BYTES || block.toString('base64') !== secretBlock) return undefined;
      for (const key of keyHmacs(block)) {
        const row = await repo.consumeSrpChallenge(db, key, clientId, clock.now());
        if (!row) continue;
        const secret = JSON.parse(box.open(row.secret_sealed, sealPurpose(row.user_id_for_srp))) as { b: string; v: string };
        return {
          userId: row.user_id, verifierId: row.verifier_id, userIdForSrp: row.user_id_for_srp, poolName: row.pool_name,
          A: row.a_public, B: row.b_public, b: secret.b, verifier: secret.v,
        };
      }
      return undefined;
    },
  };
}

/** Maintenance: deletes expired challenges in bounded batches; returns how many. Safe in every replica at once. */
export async function sweepExpiredSrpChallenges(db: Database, batchSize = 1000, maxBatches = 50): Promise<number> {
  let total = 0;
  for (let i = 0; i < maxBatches; i += 1) {
    const deleted = await repo.deleteExpiredSrpChallenges(db, batchSize);
    total += deleted;
    if (deleted < batchSize) break;
  }
  return total;
}
