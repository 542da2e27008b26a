import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { deriveKeys } from './hashing.js';

/**
 * Authenticated encryption of small values at rest (AES-256-GCM), keyed by HKDF from `LATCHKEY_SECRET`.
 * The first secret encrypts; every secret is tried for decryption, so secrets rotate by prepending.
 * Format: `v1.<iv>.<tag>.<ciphertext>` in base64url; the purpose string is bound as additional data,
 * so a ciphertext made for one purpose cannot be replayed as another.
 */
export interface SecretBox {
  seal(plaintext: string, purpose: string): string;
  open(sealed: string, purpose: string): string;
}

export class SecretBoxError extends Error {
  override readonly name = 'SecretBoxError';
}

/** GCM tag length in bytes. Pinned on both sides: Node would otherwise accept a truncated tag (4 to 15
 * bytes), and a 4-byte tag can be forged in about 2^32 tries (NIST SP 800-38D appendix C). */
const TAG_BYTES = 16;

/** A secret box keyed by `secrets` (HKDF per secret, once): the first seals, all open. */
export function createSecretBox(secrets: readonly string[]): SecretBox {
  if (secrets.length === 0) throw new SecretBoxError('at least one secret is required');
  const keys = deriveKeys(secrets, 'secret-box v1');
  const sealingKey = keys[0]!;
  return {
    seal(plaintext, purpose) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', sealingKey, iv, { authTagLength: TAG_BYTES });
      cipher.setAAD(Buffer.from(purpose));
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return ['v1', iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), body.toString('base64url')].join('.');
    },
    open(sealed, purpose) {
      const parts = sealed.split('.');
      const [version, iv, tag, body] = parts;
      if (parts.length !== 4 || version !== 'v1' || !iv || !tag || body === undefined) throw new SecretBoxError('malformed sealed value');
      const ivBytes = Buffer.from(iv, 'base64url');
      const tagBytes = Buffer.from(tag, 'base64url');
      if (ivBytes.length !== 12 || tagBytes.length !== TAG_BYTES) throw new SecretBoxError('malformed sealed value');
      for (const key of keys) {
        try {
          const decipher = createDecipheriv('aes-256-gcm', key, ivBytes, { authTagLength: TAG_BYTES });
          decipher.setAAD(Buffer.from(purpose));
          decipher.setAuthTag(tagBytes);
          return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
        } catch {
          // wrong key: try the next secret
        }
      }
      throw new SecretBoxError('no configured secret opens this value (was LATCHKEY_SECRET changed without keeping the old one?)');
    },
  };
}
