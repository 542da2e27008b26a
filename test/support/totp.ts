import type { Clock } from '../../src/lib/clock.js';
import { base32Decode, totpCode, totpStep } from '../../src/directory/mfa/totp.js';

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
