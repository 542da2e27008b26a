import { createCipheriv, randomBytes } from 'node:crypto';
import { argon2id, bcrypt, createSHA256, pbkdf2, scrypt } from 'hash-wasm';
import { firebaseScryptHash } from '../../src/directory/password-formats/firebase-scrypt.js';

/**
 * Password hashes as other systems write them, made with hash-wasm (an implementation independent of the
 * node:crypto, argon2 and bcryptjs code Latchkey verifies with), at cheap parameters so tests stay fast.
 */
export type ForeignKind = 'argon2id' | 'bcrypt' | 'scrypt' | 'pbkdf2-passlib' | 'pbkdf2-django' | 'firebase-scrypt';

export const FOREIGN_KINDS: readonly ForeignKind[] = ['argon2id', 'bcrypt', 'scrypt', 'pbkdf2-passlib', 'pbkdf2-django', 'firebase-scrypt'];

const unpadded = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64').replace(/=+$/, '');
const adapted = (bytes: Uint8Array) => unpadded(bytes).replaceAll('+', '.');

/** argon2id at a small memory cost (not the pool's parameters, so it is flagged for rehash). */
export async function argon2idHash(password: string, options: { memoryKiB?: number } = {}): Promise<string> {
  return argon2id({ password, salt: randomBytes(16), iterations: 1, parallelism: 1, memorySize: options.memoryKiB ?? 256, hashLength: 32, outputType: 'encoded' });
}

/** bcrypt; hash-wasm writes `$2a$`, which the other prefixes equal for UTF-8 passwords. */
export async function bcryptHash(password: string, options: { cost?: number; prefix?: '$2a$' | '$2b$' | '$2y$' } = {}): Promise<string> {
  const encoded = await bcrypt({ password, salt: randomBytes(16), costFactor: options.cost ?? 4, outputType: 'encoded' });
  return (options.prefix ?? '$2a$') + encoded.slice(4);
}

/** `$scrypt$ln=…,r=…,p=…$salt$hash` in unpadded standard base64 (or passlib's adapted alphabet). */
export async function scryptHash(password: string, options: { log2N?: number; r?: number; p?: number; alphabet?: 'standard' | 'adapted' } = {}): Promise<string> {
  const { log2N = 4, r = 8, p = 1 } = options;
  const salt = randomBytes(16);
  const hash = await scrypt({ password, salt, costFactor: 2 ** log2N, blockSize: r, parallelism: p, hashLength: 32, outputType: 'binary' });
  const encode = options.alphabet === 'adapted' ? adapted : unpadded;
  return `$scrypt$ln=${log2N},r=${r},p=${p}$${encode(salt)}$${encode(hash)}`;
}

async function pbkdf2Sha256(password: string, salt: Uint8Array | string, iterations: number): Promise<Uint8Array> {
  return pbkdf2({ password, salt, iterations, hashLength: 32, hashFunction: createSHA256(), outputType: 'binary' });
}

/** passlib's `$pbkdf2-sha256$<iterations>$<ab64 salt>$<ab64 hash>`. */
export async function passlibPbkdf2Hash(password: string, iterations = 1000): Promise<string> {
  const salt = randomBytes(16);
  return `$pbkdf2-sha256$${iterations}$${adapted(salt)}$${adapted(await pbkdf2Sha256(password, salt, iterations))}`;
}

/** Django's `pbkdf2_sha256$<iterations>$<salt text>$<base64 hash>`. */
export async function djangoPbkdf2Hash(password: string, iterations = 1000): Promise<string> {
  const salt = randomBytes(12).toString('hex').slice(0, 22);
  return `pbkdf2_sha256$${iterations}$${salt}$${Buffer.from(await pbkdf2Sha256(password, salt, iterations)).toString('base64')}`;
}

/** A Firebase project's password hash parameters (the README's sample, at a cheaper mem_cost by default). */
export const FIREBASE_PROJECT = { signerKey: 'jxspr8Ki0RYycVU8zykbdLGjFQ3McFUH0uiiTvC8pVMXAn210wjLNmdZJzxUECKbm0QsEmYUSDzZvpjeJ9WmXA==', saltSeparator: 'Bw==', rounds: 8 };

/** Firebase's modified scrypt: hash-wasm's scrypt for the key, node's AES-256-CTR over the signer key. */
export async function firebaseHash(password: string, options: { memCost?: number } = {}): Promise<string> {
  const memCost = options.memCost ?? 8;
  const salt = randomBytes(12);
  const key = await scrypt({ password, salt: Buffer.concat([salt, Buffer.from(FIREBASE_PROJECT.saltSeparator, 'base64')]), costFactor: 2 ** memCost, blockSize: FIREBASE_PROJECT.rounds, parallelism: 1, hashLength: 32, outputType: 'binary' });
  const cipher = createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
  const hash = Buffer.concat([cipher.update(Buffer.from(FIREBASE_PROJECT.signerKey, 'base64')), cipher.final()]);
  return firebaseScryptHash({ ...FIREBASE_PROJECT, memCost, salt: salt.toString('base64'), hash: hash.toString('base64') });
}

/** A hash of `password` of the given kind. */
export function foreignHash(kind: ForeignKind, password: string): Promise<string> {
  switch (kind) {
    case 'argon2id': return argon2idHash(password);
    case 'bcrypt': return bcryptHash(password);
    case 'scrypt': return scryptHash(password);
    case 'pbkdf2-passlib': return passlibPbkdf2Hash(password);
    case 'pbkdf2-django': return djangoPbkdf2Hash(password);
    case 'firebase-scrypt': return firebaseHash(password);
  }
}
