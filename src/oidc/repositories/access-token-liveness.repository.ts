import { arrayParameter } from '../../db/array-parameter.js';
import type { Queryable } from '../../db/database.js';
import { LIVE } from './oidc-model.repository.js';

/*
 * Whether a JWT access token may still be used: it is not stored, so its liveness is read from what it names
 * (its grant, its user, its client) and from the revocations of its `jti`. Statements that need more than
 * liveness in the same round trip embed these columns (userinfo, the identity pool's issuance).
 */

export interface AccessTokenLiveness {
  grant_live: boolean;
  revoked: boolean;
  user_enabled: boolean | null;
  user_status: string | null;
  client_exists: boolean;
}

/** Where a statement that embeds {@link accessTokenLivenessColumns} holds each part of the token. */
export interface LivenessPlaceholders {
  grantId: string;
  jti: string;
  accountId: string;
  clientId: string;
  /** The alias of the token's user row when the statement joins it already: its state is read from there. */
  joinedUser?: string;
}

/**
 * The select-list of the liveness check ({@link AccessTokenLiveness}'s columns), for a statement that needs
 * more than liveness in the same round trip (the identity pool's issuance). The arguments are the statement's
 * own `$n` placeholders (constants of the calling repository, never input), each cast to its column's type so
 * that the fragment reads the same wherever it is embedded; the caller applies the columns with
 * `assertAccessTokenLive` (access-token-verifier.ts).
 * Every part is an index lookup: the grant still exists (and belongs to the same account and client), the
 * `jti` was not revoked, the user's account state, the client still exists. The Grant row is keyed by a hash
 * of its id, so it is found by the raw id it carries in `grant_id` (index from migration 0008).
 */
export function accessTokenLivenessColumns(p: LivenessPlaceholders): string {
  const userState = p.joinedUser
    ? `${p.joinedUser}.enabled AS user_enabled, ${p.joinedUser}.status AS user_status`
    : `(SELECT enabled FROM users WHERE id = ${p.accountId}::uuid) AS user_enabled,
       (SELECT status FROM users WHERE id = ${p.accountId}::uuid) AS user_status`;
  return `EXISTS (SELECT 1 FROM oidc_model WHERE model = 'Grant' AND grant_id = ${p.grantId}::text AND ${LIVE}
               AND payload->>'accountId' = ${p.accountId}::text AND payload->>'clientId' = ${p.clientId}::text) AS grant_live,
       EXISTS (SELECT 1 FROM oidc_model WHERE model = 'RevokedAccessToken' AND id = ${p.jti}::text) AS revoked,
       ${userState},
       EXISTS (SELECT 1 FROM clients WHERE client_id = ${p.clientId}::text) AS client_exists`;
}

/** The parts of a verified access token that its liveness is read by. */
export interface LivenessToken {
  grantId: string | null;
  jti: string;
  /** A UUID (the verifier checks) or null. */
  accountId: string | null;
  clientId: string;
}

/**
 * The tokens of a batch as one row each, in their order: `t.grant_id`, `t.jti`, `t.account_id`, `t.client_id`,
 * `t.ord`, from four arrays ($1 grant ids, $2 jtis, $3 account ids, $4 client ids). One statement text for any
 * number of tokens, so it is prepared once, and a plan that does not depend on how many (db/array-parameter.ts).
 */
export const LIVENESS_BATCH_ROWS = `unnest(${arrayParameter('$1', 'text')}, ${arrayParameter('$2', 'text')}, ${arrayParameter('$3', 'uuid')}, ${arrayParameter('$4', 'text')})
  WITH ORDINALITY AS t(grant_id, jti, account_id, client_id, ord)`;
const BATCH_PLACEHOLDERS = { grantId: 't.grant_id', jti: 't.jti', accountId: 't.account_id', clientId: 't.client_id' };
const LIVENESS_BATCH_COLUMNS = accessTokenLivenessColumns(BATCH_PLACEHOLDERS);
/** The same columns for a statement that LEFT JOINs the token's user as `alias` (`ON alias.id = t.account_id`). */
export const livenessBatchColumnsWithUser = (alias: string) => accessTokenLivenessColumns({ ...BATCH_PLACEHOLDERS, joinedUser: alias });

/** The four arrays of {@link LIVENESS_BATCH_ROWS}. */
export function livenessBatchParameters(tokens: readonly LivenessToken[]): unknown[] {
  return [tokens.map((t) => t.grantId), tokens.map((t) => t.jti), tokens.map((t) => t.accountId), tokens.map((t) => t.clientId)];
}

/**
 * Liveness of JWT access tokens (see {@link accessTokenLivenessColumns}), one per token in their order, in one
 * round trip however many there are: the verifier batches the requests of one turn (lib/turn-batch.ts).
 */
export async function findAccessTokenLiveness(db: Queryable, tokens: readonly LivenessToken[]): Promise<AccessTokenLiveness[]> {
  const { rows } = await db.query<AccessTokenLiveness>(
    `SELECT ${LIVENESS_BATCH_COLUMNS} FROM ${LIVENESS_BATCH_ROWS} ORDER BY t.ord`,
    livenessBatchParameters(tokens),
  );
  return rows;
}

/**
 * Remembers a revoked JWT access token until it would have expired anyway. The `jti` of a signed token is
 * no secret (the token shows it), so these rows are keyed by it as it is.
 */
export async function insertRevokedAccessToken(db: Queryable, jti: string, expiresIn: number): Promise<void> {
  await db.query(
    `INSERT INTO oidc_model (model, id, payload, expires_at) VALUES ('RevokedAccessToken', $1, '{}', now() + $2::int * interval '1 second')
     ON CONFLICT (model, id) DO NOTHING`,
    [jti, Math.max(1, Math.ceil(expiresIn))],
  );
}
