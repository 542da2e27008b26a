import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

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

export function createSecretBox(secrets: readonly string[]): SecretBox {
  if (secrets.length === 0) throw new SecretBoxError('at least one secret is required');
  const keys = secrets.map((secret) => Buffer.from(hkdfSync('sha256', secret, 'latchkey', 'secret-box v1', 32)));
  const [sealingKey] = keys as [Buffer, ...Buffer[]];
  return {
    seal(plaintext, purpose) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', sealingKey, iv);
      cipher.setAAD(Buffer.from(purpose));
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return ['v1', iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), body.toString('base64url')].join('.');
    },
    open(sealed, purpose) {
      const [version, iv, tag, body] = sealed.split('.');
      if (version !== 'v1' || !iv || !tag || body === undefined) throw new SecretBoxError('malformed sealed value');
      for (const key of keys) {
        try {
          const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
          decipher.setAAD(Buffer.from(purpose));
          decipher.setAuthTag(Buffer.from(tag, 'base64url'));
          return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
        } catch {
          // wrong key: try the next secret
        }
      }
      throw new SecretBoxError('no configured secret opens this value (was LATCHKEY_SECRET changed without keeping the old one?)');
    },
  };
}
