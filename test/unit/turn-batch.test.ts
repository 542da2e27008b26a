import { describe, expect, it } from 'vitest';
import { createTurnBatch } from '../../src/lib/turn-batch.js';

/** A batch load that records each call's keys and answers each key doubled. */
function recordingLoad() {
  const calls: number[][] = [];
  const load = async (keys: readonly number[]) => {
    calls.push([...keys]);
    return keys.map((k) => k * 2);
  };
  return { calls, load };
}

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('createTurnBatch: the loads of one event-loop turn share one call', () => {
  it('puts the loads asked in one turn into one call and answers each caller its own value, in order', async () => {
    const { calls, load } = recordingLoad();
    const loadOne = createTurnBatch(load);
    await expect(Promise.all([loadOne(1), loadOne(2), loadOne(3)])).resolves.toEqual([2, 4, 6]);
    expect(calls).toEqual([[1, 2, 3]]);
  });

  it('reads a load asked in a later turn with a call of its own: no answer is reused across turns', async () => {
    const { calls, load } = recordingLoad();
    const loadOne = createTurnBatch(load);
    const first = loadOne(1);
    await nextTurn();
    const second = loadOne(1);
    await expect(Promise.all([first, second])).resolves.toEqual([2, 2]);
    expect(calls).toEqual([[1], [1]]);
  });

  it('splits a turn with more loads than maxBatch into calls of at most maxBatch keys', async () => {
    const { calls, load } = recordingLoad();
    const loadOne = createTurnBatch(load, { maxBatch: 2 });
    await expect(Promise.all([1, 2, 3, 4, 5].map(loadOne))).resolves.toEqual([2, 4, 6, 8, 10]);
    expect(calls).toEqual([[1, 2], [3, 4], [5]]);
  });

  it('fails every load of a failed call, and the next turn loads again', async () => {
    let fail = true;
    const loadOne = createTurnBatch(async (keys: readonly number[]) => {
      if (fail) throw new Error('database unavailable');
      return keys;
    });
    const failed = await Promise.allSettled([loadOne(1), loadOne(2)]);
    expect(failed.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(failed.map((r) => String((r as PromiseRejectedResult).reason))).toEqual(['Error: database unavailable', 'Error: database unavailable']);
    fail = false;
    await expect(loadOne(3)).resolves.toBe(3);
  });

  it('fails the loads of a call that answers a different number of values than it was given keys', async () => {
    const loadOne = createTurnBatch(async (keys: readonly number[]) => keys.slice(1));
    const results = await Promise.allSettled([loadOne(1), loadOne(2)]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(String((results[0] as PromiseRejectedResult).reason)).toBe('Error: a batch load answered 1 values for 2 keys');
  });

  it('refuses a maxBatch that is not a positive integer', () => {
    expect(() => createTurnBatch(recordingLoad().load, { maxBatch: 0 })).toThrow(RangeError);
  });
});
