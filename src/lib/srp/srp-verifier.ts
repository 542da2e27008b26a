import { randomBytes } from 'node:crypto';
import { padHex } from './pad-hex.js';
import { g, hexHash, modPowNReference, textHash } from './srp-group.js';

/** What the server keeps to check a password by SRP: the salt (as sent to clients) and v = g^x mod N, in hex. */
export interface SrpVerifier {
  salt: string;
  verifier: string;
}

/**
 * x = H(padHex(salt) ‖ H(poolName ‖ userIdForSrp ‖ ":" ‖ password)), as amazon-cognito-identity-js computes
 * it once it has the SALT and USER_ID_FOR_SRP of the PASSWORD_VERIFIER challenge.
 */
export function passwordExponent(poolName: string, userIdForSrp: string, password: string, saltHex: string): bigint {
  return BigInt(`0x${hexHash(padHex(BigInt(`0x${saltHex}`)) + textHash(`${poolName}${userIdForSrp}:${password}`))}`);
}

/**
 * A fresh verifier for a password: 16 random bytes of salt, emitted padHex-canonical (so a client that pads
 * the string as received, as pycognito does, and one that pads the number agree), and v = g^x mod N. One
 * SHA-256 and one modular exponentiation: fast, which is why it is kept sealed at rest.
 */
export function deriveSrpVerifier(poolName: string, userIdForSrp: string, password: string, saltBytes: Buffer = randomBytes(16)): SrpVerifier {
  const salt = padHex(BigInt(`0x${saltBytes.toString('hex')}`));
  const x = passwordExponent(poolName, userIdForSrp, password, salt);
  // BigInt, not OpenSSL: a password is set far more often than a process signs someone in with SRP, and one
  // exponentiation (~10 ms) is cheaper than preparing OpenSSL's group (srp-group.ts) in a CLI command.
  return { salt, verifier: padHex(modPowNReference(g, x)) };
}
