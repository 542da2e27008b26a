import type { Queryable } from '../../db/database.js';

/** A federation in progress (see migration 0010). */
export interface FederationStateRow {
  interaction_uid: string;
  state_hmac: string;
  provider: string;
  verifier_sealed: string;
  nonce_sealed: string;
  callback_sealed: string | null;
  expires_at: Date;
}

export interface NewFederationState {
  interactionUid: string;
  stateHmac: string;
  provider: string;
  verifierSealed: string;
  nonceSealed: string;
  ttlSeconds: number;
}

/**
 * Stores the one pending federation of an interaction, replacing an earlier one (the user went back and
 * chose another provider): the earlier `state` no longer matches anything.
 */
export async function upsertFederationState(db: Queryable, s: NewFederationState): Promise<void> {
  await db.query(
    `INSERT INTO federation_states (interaction_uid, state_hmac, provider, verifier_sealed, nonce_sealed, expires_at)
     VALUES ($1, $2, $3, $4, $5, now() + $6::int * interval '1 second')
     ON CONFLICT (interaction_uid) DO UPDATE
       SET state_hmac = EXCLUDED.state_hmac, provider = EXCLUDED.provider, verifier_sealed = EXCLUDED.verifier_sealed,
           nonce_sealed = EXCLUDED.nonce_sealed, callback_sealed = NULL, expires_at = EXCLUDED.expires_at, created_at = now()`,
    [s.interactionUid, s.stateHmac, s.provider, s.verifierSealed, s.nonceSealed, s.ttlSeconds],
  );
}

/**
 * Attaches the upstream's answer to the live state it names, once: a second callback with the same
 * `state` (a replay) or one for another provider, an unknown or an expired state changes nothing and
 * answers undefined. Returns the interaction to continue.
 */
export async function attachFederationCallback(db: Queryable, stateHmac: string, provider: string, callbackSealed: string): Promise<string | undefined> {
  const { rows } = await db.query<{ interaction_uid: string }>(
    `UPDATE federation_states SET callback_sealed = $3
      WHERE state_hmac = $1 AND provider = $2 AND callback_sealed IS NULL AND expires_at > now()
      RETURNING interaction_uid`,
    [stateHmac, provider, callbackSealed],
  );
  return rows[0]?.interaction_uid;
}

/** Takes the answered state of an interaction, once (DELETE … RETURNING): a replay finds nothing. */
export async function consumeFederationState(db: Queryable, interactionUid: string, provider: string): Promise<FederationStateRow | undefined> {
  const { rows } = await db.query<FederationStateRow>(
    `DELETE FROM federation_states
      WHERE interaction_uid = $1 AND provider = $2 AND callback_sealed IS NOT NULL AND expires_at > now()
      RETURNING interaction_uid, state_hmac, provider, verifier_sealed, nonce_sealed, callback_sealed, expires_at`,
    [interactionUid, provider],
  );
  return rows[0];
}

/**
 * Removes up to `batchSize` expired states (abandoned sign-ins: a consumed state is deleted when it is
 * consumed); returns how many. `SKIP LOCKED` lets replicas sweep at once without waiting on each other.
 */
export async function deleteExpiredFederationStates(db: Queryable, batchSize: number): Promise<number> {
  const { rowCount } = await db.query(
    `DELETE FROM federation_states WHERE interaction_uid IN (
       SELECT interaction_uid FROM federation_states WHERE expires_at <= now()
        ORDER BY expires_at LIMIT $1 FOR UPDATE SKIP LOCKED)`,
    [batchSize],
  );
  return rowCount;
}
