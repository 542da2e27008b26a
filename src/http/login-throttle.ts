import { createHash } from 'node:crypto';
import type { Database } from '../db/database.js';
import { RateLimitedError } from '../errors/app-error.js';
import { deleteRateLimit, incrementRateLimits } from './repositories/rate-limit.repository.js';

/**
 * Brute-force protection for password sign-in (OWASP Authentication Cheat Sheet): at most
 * `perAccount` attempts per account and client address, and `perAddress` per address, in a window.
 * Counted before the password is checked (so a blocked attempt costs no argon2 work), reset for the
 * account on success. Counting per account *and* address keeps an attacker elsewhere from locking a user out.
 */
export interface LoginThrottleLimits {
  windowSeconds: number;
  perAccount: number;
  perAddress: number;
}

export const DEFAULT_LOGIN_LIMITS: LoginThrottleLimits = Object.freeze({ windowSeconds: 900, perAccount: 10, perAddress: 100 });

export class TooManyAttemptsError extends RateLimitedError {
  constructor(retryAfterSeconds: number) {
    super('too_many_attempts', `Too many sign-in attempts. Try again in ${Math.ceil(retryAfterSeconds / 60)} minute(s).`, retryAfterSeconds);
  }
}

export interface LoginThrottle {
  /** Counts an attempt; throws TooManyAttemptsError when a limit is exceeded. */
  attempt(login: string, address: string): Promise<void>;
  succeeded(login: string, address: string): Promise<void>;
}

// Keys hold a digest, not the username: the table must not become a list of who tried to sign in.
const digest = (value: string) => createHash('sha256').update(value).digest('base64url');

export function createLoginThrottle(db: Database, limits: LoginThrottleLimits = DEFAULT_LOGIN_LIMITS): LoginThrottle {
  const accountKey = (login: string, address: string) => `login:acct:${digest(`${login}\u0000${address}`)}`;
  const addressKey = (address: string) => `login:addr:${digest(address)}`;
  return {
    async attempt(login, address) {
      const account = accountKey(login, address);
      const addr = addressKey(address);
      const counts = await incrementRateLimits(db, [account, addr], limits.windowSeconds);
      const a = counts.get(account);
      const b = counts.get(addr);
      if (a && a.count > limits.perAccount) throw new TooManyAttemptsError(a.resetsInSeconds);
      if (b && b.count > limits.perAddress) throw new TooManyAttemptsError(b.resetsInSeconds);
    },
    async succeeded(login, address) {
      await deleteRateLimit(db, accountKey(login, address));
    },
  };
}
