import { createHash } from 'node:crypto';
import { isIPv6 } from 'node:net';
import { TooManyAttemptsError } from '../errors/app-error.js';
import type { Context } from 'koa';
import type { StatementChange } from '../db/database.js';
import type { LockoutScope } from '../http/metrics.js';
import type { RateCounters } from '../http/rate-counters.js';

/**
 * Brute-force protection for password sign-in (OWASP Authentication Cheat Sheet). Three fixed-window
 * counters, all counted before the password is checked (a blocked attempt costs no argon2 work):
 * - per account and client address (`perAccountAddress`): the everyday limit;
 * - per account from anywhere (`perAccount`, higher): bounds guessing spread over many addresses,
 *   at the price that such an attack can make the account wait out the window;
 * - per address (`perAddress`): bounds one source spraying many accounts.
 * "Account" is the user the typed identifier names, so "alice" and "alice@example.com" share one count; an
 * identifier that names nobody is counted as typed (normalised), which costs the same and looks the same.
 * IPv6 addresses count per /64, since one host usually owns a whole /64.
 * Success resets the account-and-address counter.
 */
export interface LoginThrottleLimits {
  windowSeconds: number;
  perAccountAddress: number;
  perAccount: number;
  perAddress: number;
}

export const DEFAULT_LOGIN_LIMITS: LoginThrottleLimits = Object.freeze({ windowSeconds: 900, perAccountAddress: 10, perAccount: 50, perAddress: 100 });


/** Whom an attempt counts against: the user the identifier names, or else the normalised identifier. */
export type AttemptSubject = { userId: string } | { identifier: string };

export interface LoginThrottle {
  /** Counts an attempt from `address` (a valid IP address); throws TooManyAttemptsError over a limit. */
  attempt(subject: AttemptSubject, address: string): Promise<void>;
  succeeded(subject: AttemptSubject, address: string): Promise<void>;
  /**
   * What `succeeded` does, as a statement to run with the sign-in's own write (its last sign-in time and
   * event), so that a password sign-in resets its count in that same round trip.
   */
  successStatement(subject: AttemptSubject, address: string): StatementChange;
}

/** The unit an address is counted in: IPv4 as is (IPv4-mapped IPv6 unwrapped), IPv6 by its /64. */
export function addressBucket(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1]!;
  if (!isIPv6(address)) return address;
  const [head = '', tail = ''] = address.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = address.includes('::') ? [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right] : left;
  return `${groups.slice(0, 4).map((g) => g.toLowerCase().replace(/^0+(?=.)/, '')).join(':')}::/64`;
}

// Keys hold a digest, not the username: the table must not become a list of who tried to sign in.
const digest = (value: string) => createHash('sha256').update(value).digest('base64url');

/**
 * The pause before a check, by the attempts counted so far for this account from this address: none for the
 * first five (typos), then 125 ms doubling up to 1 s, until the lockout at `perAccountAddress`. It costs a
 * person who mistyped nothing and an online guesser seconds per window on top of the lockout (OWASP
 * Authentication Cheat Sheet, "progressive delays"); a success resets the count.
 */
export function progressiveDelayMs(accountAddressCount: number): number {
  if (accountAddressCount <= 5) return 0;
  return Math.min(125 * 2 ** (accountAddressCount - 6), 1000);
}

const sleepFor = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * `onLockout` is told once per lockout: by the attempt that first goes over a limit in its window (the count
 * is taken in the same statement that adds the attempt, so exactly one attempt sees `limit + 1`).
 */
export function createLoginThrottle(counters: RateCounters, limits: LoginThrottleLimits = DEFAULT_LOGIN_LIMITS, sleep: (ms: number) => Promise<void> = sleepFor, onLockout: (scope: LockoutScope) => void = () => {}): LoginThrottle {
  const keys = (subject: AttemptSubject, address: string) => {
    const bucket = addressBucket(address);
    // Prefixed, so an identifier can never be taken for a user id or the other way round.
    const account = 'userId' in subject ? `user:${subject.userId}` : `name:${subject.identifier}`;
    return {
      accountAddress: `login:acct-addr:${digest(`${account}\u0000${bucket}`)}`,
      account: `login:acct:${digest(account)}`,
      address: `login:addr:${digest(bucket)}`,
    };
  };
  return {
    async attempt(subject, address) {
      const k = keys(subject, address);
      const counts = await counters.hit([k.accountAddress, k.account, k.address], limits.windowSeconds);
      const checks = [['account_address', k.accountAddress, limits.perAccountAddress], ['account', k.account, limits.perAccount], ['address', k.address, limits.perAddress]] as const;
      let refusal: TooManyAttemptsError | undefined;
      for (const [scope, key, limit] of checks) {
        const counted = counts.get(key);
        if (!counted || counted.count <= limit) continue;
        if (counted.count === limit + 1) onLockout(scope);
        refusal ??= new TooManyAttemptsError(counted.resetsInSeconds);
      }
      if (refusal) throw refusal;
      const delay = progressiveDelayMs(counts.get(k.accountAddress)?.count ?? 0);
      if (delay > 0) await sleep(delay);
    },
    async succeeded(subject, address) {
      await counters.reset(keys(subject, address).accountAddress);
    },
    successStatement: (subject, address) => counters.resetStatement(keys(subject, address).accountAddress),
  };
}

/**
 * Counts an attempt for a page: null when it may go on; otherwise `Retry-After` is set on the response and
 * the message to show is returned (the page answers 429 with it, in its own form).
 */
export async function admitAttempt(throttle: LoginThrottle, ctx: Context, subject: AttemptSubject, address: string): Promise<string | null> {
  try {
    await throttle.attempt(subject, address);
    return null;
  } catch (error) {
    if (!(error instanceof TooManyAttemptsError)) throw error;
    ctx.set('Retry-After', String(error.retryAfterSeconds));
    return error.message;
  }
}
