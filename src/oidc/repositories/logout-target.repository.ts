import type { Queryable } from '../../db/database.js';
import { LIVE } from './oidc-model.repository.js';

/** The stored (sealed) payloads of an account's live provider sessions. */
export async function listSessionPayloadsByAccountId(db: Queryable, accountId: string): Promise<Record<string, unknown>[]> {
  const { rows } = await db.query<{ payload: Record<string, unknown> }>(
    `SELECT payload FROM oidc_model
      WHERE model = 'Session' AND payload ? 'accountId' AND payload->>'accountId' = $1 AND ${LIVE}`,
    [accountId],
  );
  return rows.map((row) => row.payload);
}

/** The clients an account holds a live grant for. */
export async function listGrantClientIdsByAccountId(db: Queryable, accountId: string): Promise<string[]> {
  const { rows } = await db.query<{ client_id: string }>(
    `SELECT DISTINCT payload->>'clientId' AS client_id FROM oidc_model
      WHERE model = 'Grant' AND payload ? 'accountId' AND payload->>'accountId' = $1 AND payload ? 'clientId' AND ${LIVE}`,
    [accountId],
  );
  return rows.map((row) => row.client_id);
}

/** A client registered for back-channel logout. */
export interface BackchannelClientRow {
  client_id: string;
  backchannel_logout_uri: string;
  session_required: boolean;
}

/** Of `clientIds`, the clients with a back-channel logout URI. */
export async function findBackchannelClients(db: Queryable, clientIds: readonly string[]): Promise<BackchannelClientRow[]> {
  if (clientIds.length === 0) return [];
  const { rows } = await db.query<BackchannelClientRow>(
    `SELECT client_id, metadata->>'backchannel_logout_uri' AS backchannel_logout_uri,
            COALESCE(metadata->'backchannel_logout_session_required' = 'true'::jsonb, false) AS session_required
       FROM clients
      WHERE client_id = ANY($1::text[]) AND jsonb_typeof(metadata->'backchannel_logout_uri') = 'string'`,
    [clientIds],
  );
  return rows;
}
