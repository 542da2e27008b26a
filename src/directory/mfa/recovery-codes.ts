import { randomInt } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { hmacBase64url } from '../../lib/hashing.js';

/**
 * Recovery codes: the way in when the authenticator is lost. Ten per user, each 10 characters of Crockford
 * base32 (50 bits; no I, L, O or U, so nothing is misread), shown once as two groups of five, stored only
 * as HMACs bound to the user, each spent once.
 */

export const RECOVERY_CODE_COUNT = 10;
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const LENGTH = 10;

/** A fresh set of codes, formatted for reading (`ABCDE-FGHJK`). */
export function generateRecoveryCodes(count = RECOVERY_CODE_COUNT): string[] {
  const codes = new Set<string>();
  while (codes.size < count) {
    let code = '';
    for (let i = 0; i < LENGTH; i += 1) code += ALPHABET[randomInt(ALPHABET.length)];
    codes.add(`${code.slice(0, 5)}-${code.slice(5)}`);
  }
  return [...codes];
}

/**
 * What a person typed, in the form the HMAC is taken of: separators dropped, upper case, and the letters
 * Crockford base32 reads as digits (O→0, I and L→1). Undefined when it cannot be a recovery code at all.
 */
export function normalizeRecoveryCode(typed: string): string | undefined {
  const code = typed.replace(/[\s-]/g, '').toUpperCase().replace(/O/g, '0').replace(/[IL]/g, '1');
  return code.length === LENGTH && [...code].every((char) => ALPHABET.includes(char)) ? code : undefined;
}

/** The HMAC of a normalised code for one user, under each key (the first stores, all verify). */
export function recoveryCodeHmacs(keys: readonly KeyObject[], userId: string, normalized: string): string[] {
  // JSON keeps user and code apart; binding the user means one user's code is worthless for another.
  return keys.map((key) => hmacBase64url(key, JSON.stringify([userId, normalized])));
}
