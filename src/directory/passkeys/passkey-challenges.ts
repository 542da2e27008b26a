import { randomBytes } from 'node:crypto';
import type { Database } from '../../db/database.js';
import type { Clock } from '../../lib/clock.js';
import { deriveKeys, hmacBase64url } from '../../lib/hashing.js';
import * as repo from './repositories/passkey.repository.js';

/** What a challenge is for: each ceremony's challenge is spent only by that ceremony. */
export type CeremonyPurpose = 'register' | 'second-factor' | 'passwordless';

/** How long a browser has between asking for options and answering them. */
export const CHALLENGE_TTL_SECONDS = 300;

export interface PasskeyChallenges {
  /** A fresh random challenge (base64url) stored for `binding`, replacing that binding's earlier one. */
  issue(purpose: CeremonyPurpose, binding: string, userId: string | null): Promise<string>;
  /** The binding's live challenge, spent by this call (a second call finds none). */
  consume(purpose: CeremonyPurpose, binding: string): Promise<{ challenge: string; userId: string | null } | undefined>;
}

/**
 * Server-side WebAuthn challenges (WebAuthn §13.4.3): 32 random bytes, short-lived, single use, and bound to
 * what asked for them (`binding`: the interaction uid of a sign-in, or the account page's session), so a
 * challenge obtained in one sign-in proves nothing in another. Rows are keyed by an HMAC of purpose and
 * binding; the first secret writes and every secret is tried when reading, so secrets rotate mid-ceremony.
 */
export function createPasskeyChallenges(deps: { db: Database; secrets: readonly string[]; clock: Clock }): PasskeyChallenges {
  const keys = deriveKeys(deps.secrets, 'webauthn-challenge v1');
  const keyHmacs = (purpose: CeremonyPurpose, binding: string) => keys.map((key) => hmacBase64url(key, `${purpose}\u0000${binding}`));
  return {
    async issue(purpose, binding, userId) {
      const challenge = randomBytes(32).toString('base64url');
      const now = deps.clock.now();
      await repo.upsertChallenge(deps.db, keyHmacs(purpose, binding)[0]!, userId, challenge, new Date(now.getTime() + CHALLENGE_TTL_SECONDS * 1000), now);
      return challenge;
    },
    async consume(purpose, binding) {
      for (const key of keyHmacs(purpose, binding)) {
        const found = await repo.consumeChallenge(deps.db, key, deps.clock.now());
        if (found) return { challenge: found.challenge, userId: found.user_id };
      }
      return undefined;
    },
  };
}
