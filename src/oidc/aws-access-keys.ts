import { randomBytes } from 'node:crypto';
import { recordAudit } from '../audit/record-audit.js';
import type { Database } from '../db/database.js';
import { InvalidRequestError, NotFoundError } from '../errors/app-error.js';
import { createSecretBox } from '../lib/secret-box.js';
import * as keys from './repositories/aws-access-key.repository.js';
import { findClientById } from './repositories/client.repository.js';

/** The scope a client must be allowed for its keys to sign Cognito's admin operations. */
export const AWS_KEY_SCOPE = 'admin';
const SEAL_PURPOSE = 'aws-access-key';
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const SECRET_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** A key pair as issued: the secret is shown once and never again. */
export interface IssuedAwsAccessKey {
  client_id: string;
  access_key_id: string;
  secret_access_key: string;
}

/** What a request signed with a key is checked against. */
export interface AwsSigningKey {
  accessKeyId: string;
  clientId: string;
  secretAccessKey: string;
  /** Whether the key's client is (still) allowed the `admin` scope. */
  admin: boolean;
  /** Whether its last use is recorded as over a minute ago: `touch` writes only then. */
  staleUse: boolean;
}

export interface AwsAccessKeys {
  /** A new pair for a client allowed the `admin` scope; refused for any other client. */
  issue(clientId: string): Promise<IssuedAwsAccessKey>;
  /** A new pair replacing every pair the client has: the old ones stop working at once. */
  rotate(clientId: string): Promise<IssuedAwsAccessKey>;
  /** The key and its client, or undefined for an unknown key (a deleted client's keys went with it). */
  find(accessKeyId: string): Promise<AwsSigningKey | undefined>;
  /** Notes that the key signed a request (at most once a minute). */
  touch(accessKeyId: string): Promise<void>;
}

function randomText(alphabet: string, length: number): string {
  // Each alphabet here has a power-of-two size (32, 64), so a byte masked to it is uniform.
  const bytes = randomBytes(length);
  return Array.from(bytes, (b) => alphabet[b & (alphabet.length - 1)]).join('');
}

const scopesOf = (scope: string | null | undefined) => new Set((scope ?? '').split(/\s+/).filter(Boolean));

/**
 * AWS-style access keys of admin clients (`LKIA` + 16 base32 characters, and a 40-character secret), for the
 * Cognito admin operations an unmodified AWS SDK signs with SigV4.
 *
 * The secret is sealed with the secret box rather than hashed, unlike client secrets: SigV4 never sends it,
 * the server must recompute the HMAC with the secret itself as the key, so Latchkey has to be able to read it
 * back. Sealed under LATCHKEY_SECRET with the key id bound in, a database dump alone does not reveal it.
 */
export function createAwsAccessKeys(deps: { db: Database; secrets: readonly string[] }): AwsAccessKeys {
  const box = createSecretBox(deps.secrets);
  const purpose = (accessKeyId: string) => `${SEAL_PURPOSE}:${accessKeyId}`;

  async function issueReplacing(clientId: string, replace: boolean): Promise<IssuedAwsAccessKey> {
    const client = await findClientById(deps.db, clientId);
    if (!client) throw new NotFoundError(`no client "${clientId}"`);
    if (!scopesOf(typeof client.metadata.scope === 'string' ? client.metadata.scope : '').has(AWS_KEY_SCOPE)) {
      throw new InvalidRequestError(`client "${clientId}" is not allowed the "${AWS_KEY_SCOPE}" scope, so it may not have an AWS access key (give it the scope with \`latchkey client update ${clientId} --scope ...\`)`,
        [{ path: 'scope', message: `must include "${AWS_KEY_SCOPE}"` }]);
    }
    const accessKeyId = `LKIA${randomText(BASE32, 16)}`;
    const secretAccessKey = randomText(SECRET_ALPHABET, 40);
    await deps.db.transaction(async (tx) => {
      const replaced = replace ? await keys.deleteAwsAccessKeysByClientId(tx, clientId) : 0;
      await keys.insertAwsAccessKey(tx, { accessKeyId, clientId, secretSealed: box.seal(secretAccessKey, purpose(accessKeyId)) });
      await recordAudit(tx, { type: 'client.aws_key_issued', clientId, details: { access_key_id: accessKeyId, replaced } });
    });
    return { client_id: clientId, access_key_id: accessKeyId, secret_access_key: secretAccessKey };
  }

  return {
    issue: (clientId) => issueReplacing(clientId, false),
    rotate: (clientId) => issueReplacing(clientId, true),
    async find(accessKeyId) {
      const row = await keys.findAwsAccessKeyById(deps.db, accessKeyId);
      if (!row) return undefined;
      return {
        accessKeyId: row.access_key_id,
        clientId: row.client_id,
        secretAccessKey: box.open(row.secret_sealed, purpose(row.access_key_id)),
        admin: scopesOf(row.scope).has(AWS_KEY_SCOPE),
        staleUse: row.stale_use,
      };
    },
    touch: (accessKeyId) => keys.touchAwsAccessKeyById(deps.db, accessKeyId),
  };
}
