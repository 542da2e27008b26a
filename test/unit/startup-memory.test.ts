import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { collectStartupGarbage, followStartupSettling, settleOtherThreads } from '../../src/lib/startup-memory.js';

/** Garbage as start-up leaves it: many small objects, no longer referenced once the function returns. */
const leaveGarbage = () => Array.from({ length: 200_000 }, (_, i) => ({ i, text: `row ${i}` })).length;
const MIB = 1024 * 1024;

describe('start-up memory', () => {
  it('runs a memory-reducing collection without a command-line flag, and the heap it leaves is smaller', () => {
    expect(leaveGarbage()).toBe(200_000);
    const before = process.memoryUsage().heapUsed;
    expect(collectStartupGarbage()).toBe(true);
    expect(process.memoryUsage().heapUsed).toBeLessThan(before - 5 * MIB);
    // The extension stays out of the application's own global scope.
    expect((globalThis as { gc?: unknown }).gc).toBeUndefined();
  });

  it('has a following thread collect its garbage when another settles, and not after it stopped following', async () => {
    let collections = 0;
    const unfollow = followStartupSettling(() => collections++);
    settleOtherThreads();
    await sleep(100); // the channel delivers on a later turn
    expect(collections).toBe(1);
    unfollow();
    settleOtherThreads();
    await sleep(100);
    expect(collections).toBe(1);
  });
});
