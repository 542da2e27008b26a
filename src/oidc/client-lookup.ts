import type { AdapterPayload } from 'oidc-provider';
import type { Database } from '../db/database.js';
import { createNotifiedCache, type NotifiedCache } from '../db/notified-cache.js';
import { systemClock, type Clock } from '../lib/clock.js';
import { SUPPORTED_SCOPES, requestableScopes } from './claims.js';
import { findClientForProvider, type ClientForProviderRow } from './repositories/client.repository.js';

/** The channel migration 0024's trigger notifies with a client's id whenever its row changes. */
export const CLIENT_CHANGES_CHANNEL = 'latchkey_client_changed';

// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;

/** Clients as the provider's Client adapter reads them, and the hook their writers call. */
export interface ClientLookup {
  /** Metadata as oidc-provider expects it; undefined for an unknown client. */
  findProviderMetadata(clientId: string): Promise<AdapterPayload | undefined>;
  /** Called by this process's writers once a client changed (other processes are heard through NOTIFY). */
  changed(clientId: string): void;
  /** Whether clients are kept in memory now (changes are being announced to this process). */
  readonly active: boolean;
}

/**
 * Every token request looks its client up, so clients are kept in process (db/notified-cache.ts): each
 * replica hears every change to `clients` at commit, from any writer, and re-reads that client only. On the
 * embedded database the server's database thread relays the notifications of every connection's commits
 * (db/pglite-listener.ts); a CLI command, which does not listen, reads the row each time.
 */
export function createClientLookup(deps: { db: Database; clock?: Clock }): ClientLookup {
  const clock = deps.clock ?? systemClock;
  const rows: NotifiedCache<ClientForProviderRow> = createNotifiedCache({
    db: deps.db,
    channel: CLIENT_CHANGES_CHANNEL,
    load: (clientId) => findClientForProvider(deps.db, clientId),
  });
  return {
    async findProviderMetadata(clientId) {
      // A NUL byte is not valid text to Postgres, which would answer with an error instead of "no such
      // client"; no Latchkey client id holds a control character.
      if (clientId.length > 200 || CONTROL_CHARACTER.test(clientId)) return undefined;
      const row = await rows.get(clientId);
      return row && providerMetadata(row, clock.now());
    },
    changed: (clientId) => rows.invalidate(clientId),
    get active() {
      return rows.active;
    },
  };
}

function providerMetadata(row: ClientForProviderRow, now: Date): AdapterPayload {
  // The provider sees the secret's SHA-256 digest in place of the secret; `compareClientSecret` is
  // overridden to hash what the client presents (see provider-factory.ts). Symmetric algorithms that
  // would key on the secret (HS*, client_secret_jwt) are disabled, so the digest is never a key.
  // oidc-provider validates `scope` against its static scope list, so it gets only the OIDC scopes;
  // the full list (API scopes included) travels as `latchkey_scopes` and bounds resource-server scopes.
  const allScopes = requestableScopes((typeof row.metadata.scope === 'string' ? row.metadata.scope : '').split(' ').filter(Boolean));
  const staticScopes = allScopes.filter((s) => (SUPPORTED_SCOPES as readonly string[]).includes(s));
  // The rotated-out secret only while its grace lasts, decided at each use (a cached row must not extend it).
  const previousSecret = row.previous_secret_expires_at && row.previous_secret_expires_at > now ? row.previous_secret_hash : null;
  return {
    ...row.metadata,
    scope: staticScopes.length ? staticScopes.join(' ') : undefined,
    latchkey_scopes: allScopes.join(' '),
    client_id: row.client_id,
    client_name: row.name,
    ...(row.client_secret_hash ? { client_secret: row.client_secret_hash } : {}),
    // Checked by the same `compareClientSecret` as the current one, only while the rotation's grace lasts.
    ...(row.client_secret_hash && previousSecret ? { latchkey_previous_secret: previousSecret } : {}),
  };
}
