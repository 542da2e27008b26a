/**
 * The time as Latchkey's own code sees it, wherever it compares times in JavaScript (token expiry, deny-list
 * lifetimes). Passed in by factories so that a test can move time forward instead of sleeping. Times kept
 * in the database are compared with the database's clock (`now()`) in SQL, not with this one.
 */
export interface Clock {
  now(): Date;
}

/** The real time. */
export const systemClock: Clock = { now: () => new Date() };

/** Whole seconds since the epoch, as JWT `exp`/`iat` count them. */
export function epochSeconds(clock: Clock): number {
  return Math.floor(clock.now().getTime() / 1000);
}
