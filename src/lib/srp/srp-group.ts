import { createDiffieHellman, createHash, type DiffieHellman } from 'node:crypto';
import { padHex } from './pad-hex.js';

/**
 * The group Cognito's SRP-6a uses: the 3072-bit MODP prime of RFC 3526 §4 (amazon-cognito-identity-js
 * `initN`), generator 2, SHA-256.
 */
const N_HEX =
  'FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DD' +
  'EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED' +
  'EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F' +
  '83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B' +
  'E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA0510' +
  '15728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7' +
  'ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200C' +
  'BBE117577A615D6C770988C0BAD946E208E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF';

export const N = BigInt(`0x${N_HEX}`);
export const g = 2n;

/** SHA-256 of the bytes a hex string spells, as hex. */
export function hexHash(hex: string): string {
  return createHash('sha256').update(Buffer.from(hex, 'hex')).digest('hex');
}

/** SHA-256 of a UTF-8 string, as hex. */
export function textHash(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/**
 * k = H(padHex(N) ‖ padHex(g)), hashed over the two encodings as they are (N's with its `00`, g as `02`), not
 * padded to N's length as RFC 5054 does; `538282c4…9ee6`, checked by a test.
 */
export const k = BigInt(`0x${hexHash(padHex(N) + padHex(g))}`);

/** Big-endian bytes of a positive integer. */
function bytesOf(value: bigint): Buffer {
  const hex = value.toString(16);
  return Buffer.from(hex.length % 2 === 1 ? `0${hex}` : hex, 'hex');
}

/** base^exponent mod N, square and multiply on BigInt: the reference, and the path for bases OpenSSL refuses. */
export function modPowNReference(base: bigint, exponent: bigint): bigint {
  let result = 1n;
  let b = base % N;
  let e = exponent;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % N;
    b = (b * b) % N;
    e >>= 1n;
  }
  return result;
}

// OpenSSL's modular exponentiation, reached through Diffie-Hellman on this group: the public key of private
// key e is g^e mod N, the secret computed with a peer's key y is y^e mod N. About four times faster than
// BigInt (2 against 9 ms for a 256-bit exponent on a busy machine). OpenSSL checks only 1 < y < N - 1.
// Creating it tests the 3072-bit prime (OpenSSL's DH_check), about 1.5 s of a core, so it is made on the
// first SRP exchange, never at import: every process (the server's start, each CLI command) would pay it.
// (Node's predefined `modp15` group is this very prime, but its keys cannot be set.)
let openSsl: DiffieHellman | undefined;
function dh(): DiffieHellman {
  openSsl ??= createDiffieHellman(Buffer.from(N_HEX, 'hex'), Buffer.from([2]));
  return openSsl;
}

/** base^exponent mod N. */
export function modPowN(base: bigint, exponent: bigint): bigint {
  const b = ((base % N) + N) % N;
  if (exponent <= 0n || b <= 1n || b === N - 1n) return modPowNReference(b, exponent);
  const group = dh();
  group.setPrivateKey(bytesOf(exponent));
  return BigInt(`0x${group.computeSecret(bytesOf(b)).toString('hex')}`);
}

/** g^exponent mod N, for 0 < exponent. */
export function powG(exponent: bigint): bigint {
  if (exponent <= 0n) throw new RangeError('powG takes a positive exponent');
  const group = dh();
  group.setPrivateKey(bytesOf(exponent));
  return BigInt(`0x${group.generateKeys('hex')}`);
}
