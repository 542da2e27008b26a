import { normalizeIdentifier } from '../directory/normalize.js';
import { RateLimitedError } from '../errors/app-error.js';
import type { RateCounters } from '../http/rate-counters.js';
import { CODE_COOL_DOWN } from '../http/error-surfaces/cognito-json.js';
import { sha256Hex } from '../lib/hashing.js';

/** As AccountCodes' own cool-down: one code a minute, five an hour. */
const MINUTE = 60;
const HOURLY = 5;

/**
 * A confirmation-code cool-down keyed by the name the caller used, counted whether or not it names an
 * account. AccountCodes keeps its cool-down per account, so on its own a second ResendConfirmationCode
 * within the minute would be refused for a real unconfirmed account and answered for anybody else, telling
 * the two apart. Counting the name too, on SignUp as well (a code "sent"), makes the answers the same.
 * Keys hold a digest: the table must not become a list of names.
 */
export function createConfirmationCoolDown(counters: RateCounters) {
  const keys = (identifier: string) => {
    const digest = sha256Hex(`confirm-code\u0000${normalizeIdentifier(identifier)}`);
    return { minute: `cognito:confirm-code:minute:${digest}`, hour: `cognito:confirm-code:hour:${digest}` };
  };
  return {
    /** Counts a code sent (or answered as sent) to `identifier`. */
    async count(identifier: string): Promise<void> {
      const k = keys(identifier);
      await counters.hit([k.minute], MINUTE);
      await counters.hit([k.hour], 60 * 60);
    },
    /** Counts a request for another code; throws a LimitExceeded-mapped RateLimitedError within the cool-down. */
    async claim(identifier: string): Promise<void> {
      const k = keys(identifier);
      const recent = (await counters.hit([k.minute], MINUTE)).get(k.minute)!;
      if (recent.count > 1) throw coolingDown(recent.resetsInSeconds);
      const hourly = (await counters.hit([k.hour], 60 * 60)).get(k.hour)!;
      if (hourly.count > HOURLY) throw coolingDown(hourly.resetsInSeconds);
    },
  };
}

/** The cool-down refusal: LimitExceededException on the wire, with Retry-After. */
export function coolingDown(retryAfterSeconds: number): RateLimitedError {
  return new RateLimitedError(CODE_COOL_DOWN, `A code was sent a moment ago. You can ask for another in ${retryAfterSeconds} seconds.`, retryAfterSeconds);
}
