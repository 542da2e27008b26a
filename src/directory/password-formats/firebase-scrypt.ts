import { createCipheriv, timingSafeEqual } from 'node:crypto';
import { decodeBase64 } from './encoded-bytes.js';
import { parseCount, refuse, type PasswordFormat } from './password-format.js';
import { deriveScrypt, scryptCostProblem } from './scrypt-work.js';

const STRING = /^\$firebase-scrypt\$r=([0-9]+),m=([0-9]+)\$([^$]*)\$([^$]+)\$([^$]*)\$([^$]+)$/;

/** What Firebase gives for one user: the project's hash parameters and the account's salt and hash, in base64. */
export interface FirebaseScryptValues {
  /** `rounds` of the project's password hash parameters. */
  rounds: number;
  /** `mem_cost` of the project's password hash parameters (N = 2^mem_cost). */
  memCost: number;
  /** `base64_salt_separator` of the project. */
  saltSeparator: string;
  /** `base64_signer_key` of the project. */
  signerKey: string;
  /** The account's `salt` from `firebase auth:export`. */
  salt: string;
  /** The account's `passwordHash` from `firebase auth:export`. */
  hash: string;
}

/**
 * Writes Firebase's values as one self-describing string that Latchkey stores and verifies:
 *
 *     $firebase-scrypt$r=<rounds>,m=<mem_cost>$<salt separator>$<signer key>$<salt>$<hash>
 *
 * each of the four byte strings in standard base64 exactly as Firebase prints it.
 */
export function firebaseScryptHash(values: FirebaseScryptValues): string {
  return `$firebase-scrypt$r=${values.rounds},m=${values.memCost}$${values.saltSeparator}$${values.signerKey}$${values.salt}$${values.hash}`;
}

/**
 * Firebase Authentication's modified scrypt (github.com/firebase/scrypt): key = scrypt(password,
 * salt ‖ salt separator, N = 2^mem_cost, r = rounds, p = 1, 32 bytes); the stored hash is the project's
 * signer key encrypted with AES-256-CTR under that key and a zero IV, so it is as long as the signer key.
 */
export const firebaseScryptFormat: PasswordFormat = {
  name: 'firebase-scrypt',
  claims: (stored) => stored.startsWith('$firebase-scrypt$'),
  parse(stored) {
    const match = STRING.exec(stored);
    if (!match) return refuse('malformed firebase-scrypt hash: expected $firebase-scrypt$r=<rounds>,m=<mem_cost>$<salt separator>$<signer key>$<salt>$<hash>');
    const [rounds, memCost] = [parseCount(match[1]), parseCount(match[2])];
    if (rounds === undefined || memCost === undefined) return refuse('malformed firebase-scrypt hash: r and m must be integers');
    const cost = { log2N: memCost, r: rounds, p: 1 };
    const problem = scryptCostProblem(cost);
    if (problem) return refuse(`firebase-scrypt hash ${problem}`);
    const [separator, signerKey, salt, hash] = [decodeBase64(match[3]!), decodeBase64(match[4]!), decodeBase64(match[5]!), decodeBase64(match[6]!)];
    if (!separator || !signerKey || !salt || !hash) return refuse('malformed firebase-scrypt hash: salt separator, signer key, salt and hash must be base64');
    if (signerKey.length === 0 || signerKey.length > 1024) return refuse('malformed firebase-scrypt hash: the signer key must be 1-1024 bytes');
    if (hash.length !== signerKey.length) return refuse('malformed firebase-scrypt hash: the hash must be as long as the signer key');
    const salted = Buffer.concat([salt, separator]);
    return {
      ok: true,
      format: 'firebase-scrypt',
      async verify(password) {
        const key = await deriveScrypt(password, salted, cost, 32);
        const cipher = createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
        const computed = Buffer.concat([cipher.update(signerKey), cipher.final()]);
        return timingSafeEqual(computed, hash);
      },
    };
  },
};
