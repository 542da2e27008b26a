import type { AttemptSubject } from '../interaction/login-throttle.js';

/**
 * Whom a reset request counts against in the sign-in throttle: the name as typed (trimmed, lower-cased),
 * exactly as the hosted forgot and reset pages count it, so the two surfaces share one budget and a name
 * that has no account costs and answers the same.
 */
export function resetSubject(username: string): AttemptSubject {
  return { identifier: `reset:${username.trim().toLowerCase()}` };
}
