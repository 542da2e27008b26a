import type { Clock } from '../../src/lib/clock.js';

/** A clock that follows real time plus an offset a test moves forward: expiry without sleeping. */
export interface TestClock extends Clock {
  advance(seconds: number): void;
  /** Back to real time. */
  reset(): void;
}

export function createTestClock(): TestClock {
  let offsetMs = 0;
  return {
    now: () => new Date(Date.now() + offsetMs),
    advance(seconds) {
      offsetMs += seconds * 1000;
    },
    reset() {
      offsetMs = 0;
    },
  };
}
