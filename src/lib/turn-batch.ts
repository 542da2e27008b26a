/** Loads many keys in one call; answers one value per key, in the keys' order. */
export type BatchLoad<Key, Value> = (keys: readonly Key[]) => Promise<readonly Value[]>;

export interface TurnBatchOptions {
  /** At most this many keys go into one call (a larger turn is split); 64 unless set. */
  maxBatch?: number;
}

/**
 * Coalesces the loads asked for during one turn of the event loop into one call of `loadAll`: the requests
 * whose sockets were read in the same turn share one statement instead of one each. Each value is still read
 * after its request arrived (the call starts at the end of the turn it was asked in, never from an earlier
 * answer), so nothing is cached across requests; what a batch saves is each statement's fixed cost (a
 * protocol round trip, executor start-up, a result to parse). A failed call fails every load it carried.
 *
 * The turn ends at `setImmediate`, after the poll phase has run every I/O callback that was ready: a
 * `process.nextTick` would end it after each callback, and a batch would hold one key.
 */
export function createTurnBatch<Key, Value>(loadAll: BatchLoad<Key, Value>, options: TurnBatchOptions = {}): (key: Key) => Promise<Value> {
  const maxBatch = options.maxBatch ?? 64;
  if (!Number.isInteger(maxBatch) || maxBatch < 1) throw new RangeError('maxBatch must be a positive integer');
  type Waiting = { key: Key; resolve: (value: Value) => void; reject: (error: unknown) => void };
  let waiting: Waiting[] = [];

  async function run(batch: readonly Waiting[]): Promise<void> {
    try {
      const values = await loadAll(batch.map((w) => w.key));
      if (values.length !== batch.length) throw new Error(`a batch load answered ${values.length} values for ${batch.length} keys`);
      batch.forEach((w, i) => w.resolve(values[i] as Value));
    } catch (error) {
      for (const w of batch) w.reject(error);
    }
  }

  function flush(): void {
    const turn = waiting;
    waiting = [];
    for (let start = 0; start < turn.length; start += maxBatch) void run(turn.slice(start, start + maxBatch));
  }

  return (key) =>
    new Promise<Value>((resolve, reject) => {
      if (waiting.push({ key, resolve, reject }) === 1) setImmediate(flush);
    });
}
