import { randomBytes } from 'node:crypto';
import * as client from 'openid-client';
import type { Database } from '../db/database.js';
import { constantTimeEqual, deriveKeys, hmacBase64url } from '../lib/hashing.js';
import type { SecretBox } from '../lib/secret-box.js';
import * as repo from './repositories/federation-state.repository.js';

/** What the authorization request to the upstream carries. */
export interface BegunFederation {
  state: string;
  nonce: string;
  codeChallenge: string;
}

/** An answered federation, taken once: the secrets to check the upstream's answer with, and the answer. */
export interface AnsweredFederation {
  state: string;
  nonce: string;
  verifier: string;
  /** The upstream's callback parameters (code, state, iss, error, …) as it sent them. */
  params: URLSearchParams;
}

export interface FederationStates {
  /** Starts (or restarts) the federation of an interaction (or an account-page link) with `provider`. */
  begin(interactionUid: string, provider: string): Promise<BegunFederation>;
  /**
   * Stores the upstream's answer on the live state its `state` names, once. Returns the interaction to
   * continue, or undefined for an unknown, expired, already answered or other provider's state.
   */
  attach(provider: string, params: URLSearchParams): Promise<string | undefined>;
  /** Takes the answered federation of an interaction, once; undefined when there is none (replay, expiry). */
  consume(interactionUid: string, provider: string): Promise<AnsweredFederation | undefined>;
}

/**
 * The prefix of a binding key that is not an interaction uid but a link started from the account page
 * (`account:<user id>:<random cookie value>`): its callback continues at `/account/linked/<provider>`.
 */
export const ACCOUNT_LINK_BINDING = 'account:';

/**
 * Maintenance: deletes expired federation states (sign-ins abandoned at the upstream) in bounded batches,
 * so one round stays short; returns how many. Safe in every replica at once.
 */
export async function sweepExpiredFederationStates(db: Database, batchSize = 1000, maxBatches = 50): Promise<number> {
  let total = 0;
  for (let i = 0; i < maxBatches; i += 1) {
    const deleted = await repo.deleteExpiredFederationStates(db, batchSize);
    total += deleted;
    if (deleted < batchSize) break;
  }
  return total;
}

/** Long enough to sign in at the upstream (passwords, MFA), short enough that a stale state is useless. */
const STATE_TTL_SECONDS = 10 * 60;
const PURPOSE = 'federation state';

/**
 * PKCE verifier, nonce and state of a federation, bound to the pending interaction and consumed once.
 *
 * The `state` sent upstream is a fresh random value, never the interaction uid (which appears in URLs and
 * cookies' paths); only its HMAC is stored, so a copy of the table cannot forge a callback. The verifier,
 * the nonce and the upstream's answer (which holds the authorization code) are sealed at rest. HMACs use
 * the first `LATCHKEY_SECRET`: a state lives minutes, so a rotation costs at most the sign-ins in flight.
 */
export function createFederationStates(deps: { db: Database; box: SecretBox; secrets: readonly string[] }): FederationStates {
  const { db, box } = deps;
  const key = deriveKeys(deps.secrets, PURPOSE)[0]!;
  const stateHmac = (state: string) => hmacBase64url(key, state);
  const purpose = (uid: string, what: string) => `${PURPOSE}:${what}:${uid}`;

  return {
    async begin(interactionUid, provider) {
      const state = randomBytes(32).toString('base64url');
      const verifier = client.randomPKCECodeVerifier();
      const nonce = client.randomNonce();
      // Expired rows are removed by the periodic maintenance (sweepExpiredFederationStates).
      await repo.upsertFederationState(db, {
        interactionUid,
        stateHmac: stateHmac(state),
        provider,
        verifierSealed: box.seal(verifier, purpose(interactionUid, 'verifier')),
        nonceSealed: box.seal(nonce, purpose(interactionUid, 'nonce')),
        ttlSeconds: STATE_TTL_SECONDS,
      });
      return { state, nonce, codeChallenge: await client.calculatePKCECodeChallenge(verifier) };
    },

    async attach(provider, params) {
      const state = params.get('state');
      if (!state || state.length > 512) return undefined;
      // Sealed with a purpose naming the state's HMAC: the answer opens only for the row it was stored on.
      const hmac = stateHmac(state);
      return repo.attachFederationCallback(db, hmac, provider, box.seal(params.toString(), `${PURPOSE}:callback:${hmac}`));
    },

    async consume(interactionUid, provider) {
      const row = await repo.consumeFederationState(db, interactionUid, provider);
      if (!row || row.callback_sealed === null) return undefined;
      const params = new URLSearchParams(box.open(row.callback_sealed, `${PURPOSE}:callback:${row.state_hmac}`));
      const state = params.get('state') ?? '';
      if (!constantTimeEqual(stateHmac(state), row.state_hmac)) return undefined;
      return {
        state,
        nonce: box.open(row.nonce_sealed, purpose(interactionUid, 'nonce')),
        verifier: box.open(row.verifier_sealed, purpose(interactionUid, 'verifier')),
        params,
      };
    },
  };
}
