import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { BroadcastChannel } from 'node:worker_threads';

/** How long after the server is ready its start-up garbage is collected: past the first requests' burst. */
export const SETTLE_AFTER_MS = 1000;

/** V8's `gc()` with the options of a memory-reducing collection (V8's `--expose-gc` extension). */
type ExposedGc = (options?: { type: 'major'; execution: 'sync'; flavor: 'last-resort' }) => void;

/**
 * Returns start-up's garbage to the operating system, once: loading a few thousand modules, migrating and
 * building the app leaves V8's heap mostly empty but committed (about 60 MiB held for 25 MiB used), and V8
 * keeps it while the process is idle, because its memory reducer starts only after allocation. One
 * memory-reducing collection, the kind V8 runs itself before giving up under memory pressure, releases it:
 * idle RSS on Postgres went from 117 to 97 MiB, at a pause of about 90 ms, taken once and before traffic.
 *
 * `gc` is V8's own extension, reached without a command-line flag: the flag is set at run time and the
 * function taken from a fresh context, where V8 installs it. Latchkey creates no other `vm` context that
 * could see it. Any failure (a runtime without the extension) leaves memory as it was; nothing else depends
 * on it. Returns whether a collection ran.
 */
export function collectStartupGarbage(): boolean {
  try {
    const existing = (globalThis as { gc?: unknown }).gc;
    if (typeof existing !== 'function') setFlagsFromString('--expose-gc');
    const gc = (typeof existing === 'function' ? existing : runInNewContext('gc')) as unknown;
    if (typeof gc !== 'function') return false;
    (gc as ExposedGc)({ type: 'major', execution: 'sync', flavor: 'last-resort' });
    return true;
  } catch {
    return false;
  }
}

/**
 * The channel on which threads with heaps of their own (the embedded database's) hear that start-up is
 * over, so each collects its own garbage: a heap is collected only by its own thread.
 */
export const SETTLE_CHANNEL = 'latchkey.settle-startup-memory';

/**
 * Schedules {@link collectStartupGarbage} after {@link SETTLE_AFTER_MS}, here and in every thread that
 * follows {@link SETTLE_CHANNEL} (see followStartupSettling); the timer keeps no process alive.
 */
export function settleStartupMemory(delayMs = SETTLE_AFTER_MS): void {
  setTimeout(() => {
    collectStartupGarbage();
    settleOtherThreads();
  }, delayMs).unref();
}

/**
 * Tells the threads that follow {@link SETTLE_CHANNEL} to collect their garbage now, without a pause here:
 * after migrations, the embedded database's thread holds most of what they allocated, and collecting it
 * before the app is built keeps it out of start-up's peak.
 */
export function settleOtherThreads(): void {
  const channel = new BroadcastChannel(SETTLE_CHANNEL);
  channel.postMessage('settle');
  channel.close();
}

/** Collects this thread's garbage (`collect`) when the process settles; returns what stops following. */
export function followStartupSettling(collect: () => unknown = collectStartupGarbage): () => void {
  const channel = new BroadcastChannel(SETTLE_CHANNEL);
  channel.unref(); // following keeps no thread alive
  channel.onmessage = () => { collect(); };
  return () => channel.close();
}
