import { randomBytes } from 'node:crypto';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import { recordAudit } from '../audit/record-audit.js';
import type { Database } from '../db/database.js';
import type { SecretBox } from '../lib/secret-box.js';
import * as keys from './repositories/signing-key.repository.js';

export const SIGNING_ALG = 'RS256';
const SEAL_PURPOSE = 'signing-key';

export interface KeySet {
  /** Private JWKs for the provider, the signing key first. */
  privateJwks: JWK[];
  /** Public JWKs, as published. */
  publicJwks: JWK[];
  version: string;
}

export interface SigningKeyService {
  /** Creates the first key if there is none (idempotent, safe under concurrent starts). */
  ensure(): Promise<void>;
  load(): Promise<KeySet>;
  version(): Promise<string>;
  /**
   * Retires the current key and creates a new one that signs from now on. The retired key stays in the
   * JWKS for `publishRetiredForSeconds`, long enough for every token it signed to expire.
   */
  rotate(): Promise<{ kid: string; retired: number }>;
}

async function newKey(box: SecretBox): Promise<{ kid: string; alg: string; publicJwk: JWK; privateJwkSealed: string }> {
  const { publicKey, privateKey } = await generateKeyPair(SIGNING_ALG, { modulusLength: 2048, extractable: true });
  const kid = randomBytes(12).toString('base64url');
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: SIGNING_ALG, use: 'sig' };
  const privateJwk = { ...(await exportJWK(privateKey)), kid, alg: SIGNING_ALG, use: 'sig' };
  return { kid, alg: SIGNING_ALG, publicJwk, privateJwkSealed: box.seal(JSON.stringify(privateJwk), `${SEAL_PURPOSE}:${kid}`) };
}

export function createSigningKeyService(deps: { db: Database; box: SecretBox; publishRetiredForSeconds: number }): SigningKeyService {
  const { db, box } = deps;
  return {
    async ensure() {
      await db.transaction(async (tx) => {
        await keys.lockSigningKeys(tx);
        const existing = await keys.findPublishedSigningKeys(tx);
        if (existing.some((k) => k.retired_at === null)) return;
        await keys.insertSigningKey(tx, await newKey(box));
      });
    },
    async load() {
      const rows = await keys.findPublishedSigningKeys(db);
      if (!rows.some((r) => r.retired_at === null)) throw new Error('no active signing key; run `latchkey keys rotate`');
      return {
        privateJwks: rows.map((r) => JSON.parse(box.open(r.private_jwk_sealed, `${SEAL_PURPOSE}:${r.kid}`)) as JWK),
        publicJwks: rows.map((r) => r.public_jwk as JWK),
        version: await keys.findSigningKeySetVersion(db),
      };
    },
    version: () => keys.findSigningKeySetVersion(db),
    async rotate() {
      const key = await newKey(box);
      const retired = await db.transaction(async (tx) => {
        await keys.lockSigningKeys(tx);
        const count = await keys.retireActiveSigningKeys(tx, deps.publishRetiredForSeconds);
        await keys.insertSigningKey(tx, key);
        // The key id is public (it is in the JWKS); the key itself never leaves its sealed column.
        await recordAudit(tx, { type: 'key.rotated', details: { kid: key.kid, retired: count } });
        return count;
      });
      return { kid: key.kid, retired };
    },
  };
}
