import { isUuid } from '../lib/uuid.js';

/**
 * Identifiers are compared after Unicode NFKC normalisation and lower-casing, so that "Ａlice" (full-width)
 * and "alice", or "Bob@Example.com" and "bob@example.com", are the same account and cannot be registered
 * twice to impersonate each other.
 */
export function normalizeIdentifier(value: string): string {
  return value.normalize('NFKC').trim().toLowerCase();
}

/** A deliberately plain e-mail shape check; ownership is proven by verification, not by regex. */
const EMAIL_PATTERN = /^[^\s@<>()[\]\\,;:"]{1,64}@[^\s@<>()[\]\\,;:"]{1,253}\.[^\s@<>()[\]\\,;:".]{2,63}$/u;

export function isEmailShaped(value: string): boolean {
  return value.length <= 254 && EMAIL_PATTERN.test(value.normalize('NFKC'));
}

/** Usernames: letters, digits and `._-`, 1–128 characters after normalisation; never e-mail shaped. */
const USERNAME_PATTERN = /^[\p{L}\p{N}._-]{1,128}$/u;

/**
 * Also never shaped like a user id (a UUID, in any case) and never `.` or `..`: identity-pool policies put
 * `${username}` and `${sub}` in the same places (`home/${username}/`), so a username equal to someone's
 * `sub` would open that person's folder (see identity-pool/policy-variables.ts).
 */
export function isValidUsername(value: string): boolean {
  const normalized = value.normalize('NFKC');
  return USERNAME_PATTERN.test(normalized) && normalized !== '.' && normalized !== '..' && !isUuid(normalized.toLowerCase());
}

/** Why a username is refused, in words a person can act on; null when it is acceptable. */
export function usernameProblem(value: string): string | null {
  const normalized = value.normalize('NFKC');
  if (isUuid(normalized.toLowerCase())) return 'may not look like a user id (a UUID): storage policies tell the two apart';
  if (isEmailShaped(value)) return 'may not be an e-mail address; use the e-mail field';
  if (!isValidUsername(value)) return 'may hold letters, digits and . _ - only (1-128), and not be "." or ".."';
  return null;
}

