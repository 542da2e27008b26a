import { describe, expect, it } from 'vitest';
import type { Database, NotificationListener } from '../../src/db/database.js';
import { createNotifiedCache } from '../../src/db/notified-cache.js';

/** A Database that only delivers notifications, driven by the test; the cache's reads go to `load`. */
function notifyingDatabase(withListen = true): { db: Database; listener: () => NotificationListener } {
  let subscribed: NotificationListener | undefined;
  const unused = () => Promise.reject(new Error('not used'));
  const db: Database = {
    kind: 'postgres', query: unused, transaction: unused, close: async () => {},
    ...(withListen ? { listen: (_channel: string, listener: NotificationListener) => { subscribed = listener; return () => {}; } } : {}),
  };
  return { db, listener: () => subscribed! };
}

function counter(values: Record<string, string>) {
  const loads: string[] = [];
  return { loads, load: async (key: string) => { loads.push(key); return values[key]; } };
}

describe('notified cache', () => {
  it('keeps a found value while listening, and reads again after its key is announced', async () => {
    const { db, listener } = notifyingDatabase();
    const source = counter({ a: 'A' });
    const cache = createNotifiedCache({ db, channel: 'changes', load: source.load });
    expect(await cache.get('a')).toBe('A'); // before LISTEN took effect: read, not kept
    listener().listening();
    expect(await cache.get('a')).toBe('A');
    expect(await cache.get('a')).toBe('A');
    expect(source.loads).toEqual(['a', 'a']);
    listener().notified('a');
    expect(await cache.get('a')).toBe('A');
    expect(source.loads).toEqual(['a', 'a', 'a']);
  });

  it('does not keep unknown keys, so random keys cannot fill it', async () => {
    const { db, listener } = notifyingDatabase();
    const source = counter({});
    const cache = createNotifiedCache({ db, channel: 'changes', load: source.load });
    await cache.get('x');
    listener().listening();
    await cache.get('nope');
    await cache.get('nope');
    expect(source.loads).toEqual(['x', 'nope', 'nope']);
  });

  it('drops a value read while its key changed, so a stale row never lands after the announcement', async () => {
    const { db, listener } = notifyingDatabase();
    let release!: (value: string) => void;
    let calls = 0;
    const cache = createNotifiedCache({ db, channel: 'changes', load: (key) => (++calls === 2 ? new Promise<string>((resolve) => { release = resolve; }) : Promise.resolve(`${key}-${calls}`)) });
    await cache.get('a');
    listener().listening();
    const inFlight = cache.get('a');
    listener().notified('a');
    release('stale');
    expect(await inFlight).toBe('stale');
    expect(await cache.get('a')).toBe('a-3');
    expect(await cache.get('a')).toBe('a-3');
    expect(calls).toBe(3);
  });

  it('forgets everything when the connection is lost, and keeps nothing until listening again', async () => {
    const { db, listener } = notifyingDatabase();
    const source = counter({ a: 'A' });
    const cache = createNotifiedCache({ db, channel: 'changes', load: source.load });
    await cache.get('a');
    listener().listening();
    await cache.get('a');
    listener().lost();
    expect(cache.active).toBe(false);
    await cache.get('a');
    await cache.get('a');
    expect(source.loads).toHaveLength(4);
    listener().listening();
    await cache.get('a');
    await cache.get('a');
    expect(source.loads).toHaveLength(5);
  });

  it('evicts the least recently used value beyond its bound', async () => {
    const { db, listener } = notifyingDatabase();
    const source = counter({ a: 'A', b: 'B', c: 'C' });
    const cache = createNotifiedCache({ db, channel: 'changes', load: source.load, maxEntries: 2 });
    await cache.get('a');
    listener().listening();
    await cache.get('a');
    await cache.get('b');
    await cache.get('a'); // a is now the most recently used
    await cache.get('c'); // evicts b
    source.loads.length = 0;
    await cache.get('a');
    await cache.get('c');
    await cache.get('b');
    expect(source.loads).toEqual(['b']);
  });

  it('reads every time on a database without notifications, and invalidation by this process works at once', async () => {
    const source = counter({ a: 'A' });
    const plain = createNotifiedCache({ db: notifyingDatabase(false).db, channel: 'changes', load: source.load });
    await plain.get('a');
    await plain.get('a');
    expect(source.loads).toHaveLength(2);
    expect(plain.active).toBe(false);

    const { db, listener } = notifyingDatabase();
    const kept = counter({ a: 'A' });
    const cache = createNotifiedCache({ db, channel: 'changes', load: kept.load });
    await cache.get('a');
    listener().listening();
    await cache.get('a');
    cache.invalidate('a');
    await cache.get('a');
    expect(kept.loads).toHaveLength(3);
  });
});
