import type { Database } from './database.js';

/** A read-through cache of rows that a trigger announces changes of (see migrations/0024). */
export interface NotifiedCache<Value> {
  /** The cached value, or what `load` finds (kept only while changes are announced); undefined: not found. */
  get(key: string): Promise<Value | undefined>;
  /** Forgets `key` now: for a change this process makes, before its own notification arrives. */
  invalidate(key: string): void;
  /** Whether values are being kept (the channel is listened to); for tests and metrics. */
  readonly active: boolean;
}

export interface NotifiedCacheOptions<Value> {
  db: Database;
  /** The channel a trigger notifies with the changed row's key as payload. */
  channel: string;
  load: (key: string) => Promise<Value | undefined>;
  /** At most this many values are kept (least recently used go first): keys come from requests. */
  maxEntries?: number;
}

/**
 * Keeps rows in process for as long as every change to them is announced to this process: a row trigger
 * NOTIFYs the channel with the row's key when its transaction commits, on every replica, whichever process
 * (server, CLI, another replica, plain SQL) made the change. While the channel is not listened to (before
 * LISTEN took effect, after the connection dropped, or on a database without notifications) nothing is
 * kept and every `get` reads the database, so a change is never missed, only made slower to see.
 *
 * A read that was in flight when its key changed is not kept: each key's change bumps a generation that the
 * read compares before storing, so a stale row cannot land after the notification that invalidated it.
 * Only found rows are kept; unknown keys read the database each time, so random keys cannot fill the cache.
 */
export function createNotifiedCache<Value>(options: NotifiedCacheOptions<Value>): NotifiedCache<Value> {
  const maxEntries = options.maxEntries ?? 1000;
  const entries = new Map<string, Value>();
  let listening = false;
  let generation = 0;
  let subscribed = false;

  const forgetAll = () => {
    generation++;
    entries.clear();
  };
  function subscribe(): void {
    subscribed = true;
    options.db.listen?.(options.channel, {
      listening: () => {
        forgetAll();
        listening = true;
      },
      lost: () => {
        listening = false;
        forgetAll();
      },
      notified: (key) => {
        generation++;
        entries.delete(key);
      },
    });
  }

  return {
    get active() {
      return listening;
    },
    async get(key) {
      // Subscribing opens a connection, so only a process that reads through the cache (a server) does.
      if (!subscribed) subscribe();
      const cached = entries.get(key);
      if (cached !== undefined) {
        // Least recently used first out: a hit moves the key to the end of the insertion order.
        entries.delete(key);
        entries.set(key, cached);
        return cached;
      }
      const startedAt = generation;
      const value = await options.load(key);
      if (value !== undefined && listening && generation === startedAt) {
        entries.set(key, value);
        if (entries.size > maxEntries) entries.delete(entries.keys().next().value!);
      }
      return value;
    },
    invalidate(key) {
      generation++;
      entries.delete(key);
    },
  };
}
