import type { Clock } from '../../src/lib/clock.js';
import { base32Decode, TOTP_PERIOD_SECONDS, totpCode, totpStep } from '../../src/directory/mfa/totp.js';
import type { TestClock } from './clock.js';

/** The code an authenticator app shows for `secret` (as the page printed it, spaces allowed) at the clock's time. */
export function authenticatorCode(secret: string, clock: Clock, stepOffset = 0): string {
  return totpCode(base32Decode(secret), totpStep(clock.now()) + stepOffset);
}

/** A 6-digit code that is none of the codes accepted around now (the current step and one either side). */
export function wrongCode(secret: string, clock: Clock): string {
  const accepted = new Set([-1, 0, 1].map((offset) => authenticatorCode(secret, clock, offset)));
  for (let n = 0; ; n += 1) {
    const candidate = String(n).padStart(6, '0');
    if (!accepted.has(candidate)) return candidate;
  }
}

/**
 * Moves a test clock to the start of the next TOTP step. The clock follows real time, so a test expecting a
 * code to be refused "in the same step" as an earlier one would see it accepted whenever real time crossed a
 * step boundary between the two; from a step's start, its few requests have the whole step (30 s).
 */
export function startNextStep(clock: TestClock): void {
  const periodMs = TOTP_PERIOD_SECONDS * 1000;
  clock.advance((periodMs - (clock.now().getTime() % periodMs)) / 1000);
}
