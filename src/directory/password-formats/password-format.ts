/** The password hash formats Latchkey verifies; only `argon2id` is ever written. */
export type PasswordFormatName = 'argon2id' | 'bcrypt' | 'scrypt' | 'pbkdf2-sha256' | 'firebase-scrypt';

/** A stored hash that was understood: which format it is in, and how to check a password against it. */
export interface RecognisedHash {
  readonly ok: true;
  readonly format: PasswordFormatName;
  /** True when `password` is the one the hash was made from; never throws for a wrong password. */
  verify(password: string): Promise<boolean>;
}

/** A stored hash that was not understood, or that asks for more work than Latchkey will spend; `reason` says which. */
export interface RefusedHash {
  readonly ok: false;
  readonly reason: string;
}

export type ParsedPasswordHash = RecognisedHash | RefusedHash;

/**
 * One hash format in its own module. `claims` looks at the prefix only, so the registry can say "malformed
 * bcrypt hash" rather than "unknown format" for a `$2b$` string that is broken; `parse` then checks every
 * field, including the work factor: a hash is attacker-chosen input when it comes from an import file,
 * and its cost is spent at every sign-in attempt on that account.
 */
export interface PasswordFormat {
  readonly name: PasswordFormatName;
  claims(stored: string): boolean;
  parse(stored: string): ParsedPasswordHash;
}

/** A refusal, for `parse`. */
export function refuse(reason: string): RefusedHash {
  return { ok: false, reason };
}

/** A decimal integer without sign, leading zeros or exponent (`Number('1e3')` would accept those). */
export function parseCount(text: string | undefined): number | undefined {
  if (text === undefined || !/^(0|[1-9][0-9]{0,9})$/.test(text)) return undefined;
  return Number(text);
}
