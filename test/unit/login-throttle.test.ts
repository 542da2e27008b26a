import { describe, expect, it } from 'vitest';
import { TooManyAttemptsError } from '../../src/errors/app-error.js';
import type { RateCounters, WindowCount } from '../../src/http/rate-counters.js';
import { createLoginThrottle, DEFAULT_LOGIN_LIMITS, progressiveDelayMs } from '../../src/interaction/login-throttle.js';

/** Counters in memory with one shared window, enough to drive the throttle's arithmetic. */
function memoryCounters(): RateCounters {
  const counts = new Map<string, number>();
  return {
    hit: (keys) => Promise.resolve(new Map(keys.map((key): [string, WindowCount] => {
      counts.set(key, (counts.get(key) ?? 0) + 1);
      return [key, { count: counts.get(key)!, resetsInSeconds: 600 }];
    }))),
    refund: () => Promise.resolve(),
    reset: (key) => Promise.resolve(void counts.delete(key)),
    resetStatement: (key) => ({ sql: 'DELETE FROM rate_limits WHERE key = $1', params: [key] }),
    sweep: () => Promise.resolve(0),
  };
}

describe('progressive delay of the sign-in throttle', () => {
  it('pauses nothing for the first five attempts, then 125 ms doubling up to 1 s', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11].map(progressiveDelayMs)).toEqual([0, 0, 0, 0, 0, 125, 250, 500, 1000, 1000, 1000]);
  });

  it('sleeps before each attempt past the fifth, refuses past the limit without sleeping, and starts over after a success', async () => {
    const slept: number[] = [];
    const throttle = createLoginThrottle(memoryCounters(), DEFAULT_LOGIN_LIMITS, (ms) => {
      slept.push(ms);
      return Promise.resolve();
    });
    const subject = { userId: '6c6f2a4e-0000-4000-8000-000000000001' };
    for (let i = 0; i < DEFAULT_LOGIN_LIMITS.perAccountAddress; i += 1) await throttle.attempt(subject, '192.0.2.7');
    expect(slept).toEqual([125, 250, 500, 1000, 1000]);
    await expect(throttle.attempt(subject, '192.0.2.7')).rejects.toBeInstanceOf(TooManyAttemptsError);
    expect(slept).toHaveLength(5);

    // Another address is another count; a success clears this account's count at this address.
    await throttle.attempt(subject, '198.51.100.9');
    expect(slept).toHaveLength(5);
    await throttle.succeeded(subject, '192.0.2.7');
    await throttle.attempt(subject, '192.0.2.7');
    expect(slept).toHaveLength(5);
  });
});

describe('lockouts of the sign-in throttle', () => {
  it('reports a lockout once, by the attempt that first goes over a limit, naming the limit; further refusals report none', async () => {
    const lockouts: string[] = [];
    const throttle = createLoginThrottle(memoryCounters(), { windowSeconds: 900, perAccountAddress: 3, perAccount: 5, perAddress: 100 }, () => Promise.resolve(), (scope) => lockouts.push(scope));
    const subject = { userId: '6c6f2a4e-0000-4000-8000-000000000002' };
    for (let i = 0; i < 3; i += 1) await throttle.attempt(subject, '192.0.2.8');
    expect(lockouts).toEqual([]);
    await expect(throttle.attempt(subject, '192.0.2.8')).rejects.toBeInstanceOf(TooManyAttemptsError);
    await expect(throttle.attempt(subject, '192.0.2.8')).rejects.toBeInstanceOf(TooManyAttemptsError);
    expect(lockouts).toEqual(['account_address']);
    // The sixth attempt on the account, from another address: the account-wide limit locks out now.
    await expect(throttle.attempt(subject, '198.51.100.10')).rejects.toBeInstanceOf(TooManyAttemptsError);
    expect(lockouts).toEqual(['account_address', 'account']);
  });
});
