/**
 * One thread of the argon2id ceiling (`argon2-ceiling.ts`): hashes one password with Latchkey's hasher, says it
 * is ready, and on the signal verifies that hash back to back for the given time, then reports and exits by
 * itself (its only listener is a `once`, so nothing keeps the thread alive after the report).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createPasswordHasher, type Argon2Parameters } from '../src/directory/password-hasher.js';

export interface CeilingJob {
  parameters: Argon2Parameters;
  durationMs: number;
}

export interface CeilingReport {
  verifications: number;
  failures: number;
  elapsedMs: number;
  /** Per verification, in ms. */
  latencies: number[];
}

const port = parentPort;
if (!port) throw new Error('argon2-ceiling-worker runs as a worker thread');
const job = workerData as CeilingJob;
// The same hasher the server builds, so parsing the stored hash and the rehash check are in the figure too.
const hasher = createPasswordHasher(job.parameters);
const password = 'correct horse battery staple';
const stored = await hasher.hash(password);
// One untimed verification first: the first call pays for loading and the thread pool's start.
await hasher.verify(stored, password);

port.once('message', () => {
  void (async () => {
    const latencies: number[] = [];
    let failures = 0;
    const started = performance.now();
    const deadline = started + job.durationMs;
    while (performance.now() < deadline) {
      const before = performance.now();
      const { valid } = await hasher.verify(stored, password);
      latencies.push(performance.now() - before);
      if (!valid) failures += 1;
    }
    const report: CeilingReport = { verifications: latencies.length, failures, elapsedMs: performance.now() - started, latencies };
    port.postMessage(report);
  })();
});
port.postMessage('ready');
