import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { padHex } from './pad-hex.js';
import { N, hexHash, k, modPowN, powG } from './srp-group.js';

/** The label amazon-cognito-identity-js feeds HKDF (`infoBits`). */
const HKDF_INFO = Buffer.from('Caldera Derived Key', 'utf8');

/**
 * The server's secret exponent b: 256 random bits. Cognito's clients take 1024 bits for a; 256 bits give
 * the 128-bit strength of the 3072-bit group (NIST SP 800-56A: twice the security strength) at a quarter of
 * the cost of each exponentiation by b.
 */
export function randomServerSecret(): bigint {
  for (;;) {
    const b = BigInt(`0x${randomBytes(32).toString('hex')}`);
    if (b > 1n) return b;
  }
}

/** B = (k·v + g^b) mod N. */
export function serverPublic(verifier: bigint, b: bigint): bigint {
  return (k * verifier + powG(b)) % N;
}

/** u = H(padHex(A) ‖ padHex(B)). */
export function scramble(A: bigint, B: bigint): bigint {
  return BigInt(`0x${hexHash(padHex(A) + padHex(B))}`);
}

/** A client value that would fix the shared secret whatever the password (A ≡ 0 mod N gives S = 0): refused. */
export function acceptableClientPublic(A: bigint): boolean {
  return A > 0n && A % N !== 0n;
}

/**
 * The session key K = HKDF-SHA256(IKM = padHex(S), salt = padHex(u), info "Caldera Derived Key")[0:16],
 * with S = (A·v^u)^b mod N. Undefined when u = 0 (then S would not depend on the verifier).
 */
export function serverSessionKey(input: { A: bigint; B: bigint; b: bigint; verifier: bigint }): Buffer | undefined {
  return sessionKeyForScramble(scramble(input.A, input.B), input);
}

/** K for a given u (see serverSessionKey); undefined when u = 0. */
export function sessionKeyForScramble(u: bigint, input: { A: bigint; b: bigint; verifier: bigint }): Buffer | undefined {
  if (u === 0n) return undefined;
  const S = modPowN((input.A * modPowN(input.verifier, u)) % N, input.b);
  return hkdf(Buffer.from(padHex(S), 'hex'), Buffer.from(padHex(u), 'hex'));
}

/** RFC 5869 with one block of output, cut to 16 bytes, as the client computes it. */
export function hkdf(ikm: Buffer, salt: Buffer): Buffer {
  const prk = createHmac('sha256', salt).update(ikm).digest();
  return createHmac('sha256', prk).update(Buffer.concat([HKDF_INFO, Buffer.from([1])])).digest().subarray(0, 16);
}

/** PASSWORD_CLAIM_SIGNATURE = Base64(HMAC-SHA256(K, poolName ‖ userIdForSrp ‖ secretBlock bytes ‖ TIMESTAMP)). */
export function claimSignature(key: Buffer, claim: { poolName: string; userIdForSrp: string; secretBlock: Buffer; timestamp: string }): Buffer {
  return createHmac('sha256', key)
    .update(Buffer.from(claim.poolName, 'utf8'))
    .update(Buffer.from(claim.userIdForSrp, 'utf8'))
    .update(claim.secretBlock)
    .update(Buffer.from(claim.timestamp, 'utf8'))
    .digest();
}

/** Whether a signature as sent (base64) is the expected one, in constant time. */
export function signatureMatches(expected: Buffer, sent: string): boolean {
  const received = Buffer.from(sent, 'base64');
  return received.length === expected.length && timingSafeEqual(received, expected);
}
