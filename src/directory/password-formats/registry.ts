import { argon2idFormat } from './argon2id.js';
import { bcryptFormat } from './bcrypt.js';
import { firebaseScryptFormat } from './firebase-scrypt.js';
import { refuse, type ParsedPasswordHash, type PasswordFormat } from './password-format.js';
import { djangoPbkdf2Sha256Format } from './pbkdf2-sha256-django.js';
import { passlibPbkdf2Sha256Format } from './pbkdf2-sha256-passlib.js';
import { scryptFormat } from './scrypt.js';

/** Every format a stored password hash may be in; their prefixes do not overlap. */
export const PASSWORD_FORMATS: readonly PasswordFormat[] = Object.freeze([
  argon2idFormat, bcryptFormat, scryptFormat, passlibPbkdf2Sha256Format, djangoPbkdf2Sha256Format, firebaseScryptFormat,
]);

/** Longer than any valid hash of any format (a Firebase string with a 1 KiB signer key is about 3 KiB). */
const MAX_STORED_LENGTH = 4096;

/**
 * Recognises a stored hash by its prefix and checks it whole: the format that claims it parses it, or it is
 * refused with a reason (unknown format, malformed field, work factor over the bounds). Import refuses a row
 * whose hash is refused; sign-in treats a refused hash as a wrong password.
 */
export function parsePasswordHash(stored: string): ParsedPasswordHash {
  if (stored.length > MAX_STORED_LENGTH) return refuse('password hash is too long');
  const format = PASSWORD_FORMATS.find((candidate) => candidate.claims(stored));
  if (!format) return refuse('unknown password hash format (accepted: argon2id, bcrypt, scrypt, pbkdf2-sha256, firebase-scrypt)');
  return format.parse(stored);
}
