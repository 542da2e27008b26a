import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { OWASP_ARGON2ID } from '../src/directory/password-hasher.js';
import type { CeilingJob, CeilingReport } from './argon2-ceiling-worker.js';
import type { LoadResult } from './load.js';

/** Starting a thread loads the hasher and makes one hash and one verification; generous, but bounded. */
const READY_TIMEOUT_MS = 30_000;
/** The last verification started before the deadline may still be running when it passes. */
const FINISH_GRACE_MS = 10_000;

/** The ceiling as a queued figure: who it is, one run of it, and the note its median run gets. */
export interface CeilingFigure {
  target: string;
  runOnce: () => Promise<LoadResult>;
  note: (median: LoadResult) => string;
}

/**
 * The most password verifications per second this machine can do at Latchkey's argon2id parameters (the
 * server's hasher is `createPasswordHasher()` with its default, `OWASP_ARGON2ID`): one thread per core, each
 * verifying one hash back to back for `seconds`. No sign-in can be faster than this, so password sign-in
 * figures are read against it. Each thread stops by itself; a thread that does not is terminated.
 */
export function argon2Ceiling(options: { seconds: number }): CeilingFigure {
  if (!(options.seconds > 0)) throw new Error('argon2Ceiling needs seconds > 0');
  const threads = os.availableParallelism();
  return {
    target: `argon2id ceiling (${threads} threads)`,
    runOnce: () => measureOnce(threads, options.seconds * 1000),
    note: (median) => {
      const { memoryCost, timeCost, parallelism } = OWASP_ARGON2ID;
      const notes = [`m=${memoryCost} KiB, t=${timeCost}, p=${parallelism}`, `${(median.rps / threads).toFixed(1)} verifications/s per core`];
      // node-argon2 computes on libuv's thread pool, shared by the whole process (the server's too): with fewer
      // pool threads than cores, no more verifications than that run at once, whatever the number of threads here.
      const pool = threadPoolSize();
      if (pool < threads) notes.push(`libuv thread pool of ${pool} caps concurrent verifications (set UV_THREADPOOL_SIZE)`);
      return notes.join('; ');
    },
  };
}

async function measureOnce(threads: number, durationMs: number): Promise<LoadResult> {
  const job: CeilingJob = { parameters: OWASP_ARGON2ID, durationMs };
  const workers = Array.from({ length: threads }, () => new Worker(new URL('./argon2-ceiling-worker.js', import.meta.url), { workerData: job }));
  try {
    // Every thread has its hash before any starts, so all of them verify over the same interval.
    await Promise.all(workers.map((worker) => nextMessage(worker, READY_TIMEOUT_MS)));
    const reports = Promise.all(workers.map((worker) => nextMessage(worker, durationMs + FINISH_GRACE_MS)));
    for (const worker of workers) worker.postMessage('start');
    return summarize((await reports) as CeilingReport[]);
  } finally {
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
}

/**
 * The verifications of all threads as one load result: their rates add up (failed verifications, which would
 * mean a broken hasher, count as errors and not toward the rate, as failed requests do in `load`), and their
 * latencies pool.
 */
export function summarize(reports: readonly CeilingReport[]): LoadResult {
  const latencies = reports.flatMap((report) => report.latencies).sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? 0;
  return {
    requests: latencies.length,
    errors: reports.reduce((sum, report) => sum + report.failures, 0),
    rps: reports.reduce((sum, report) => sum + (report.elapsedMs > 0 ? (report.verifications - report.failures) / (report.elapsedMs / 1000) : 0), 0),
    p50: pct(0.5),
    p95: pct(0.95),
    p99: pct(0.99),
  };
}

function nextMessage(worker: Worker, timeoutMs: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const done = () => {
      clearTimeout(timer);
      worker.off('message', onMessage).off('error', onError).off('exit', onExit);
    };
    const onMessage = (message: unknown) => { done(); resolve(message); };
    const onError = (error: Error) => { done(); reject(error); };
    const onExit = (code: number) => { done(); reject(new Error(`argon2 ceiling thread exited (code ${code}) before reporting`)); };
    const timer = setTimeout(() => { done(); reject(new Error(`argon2 ceiling thread sent nothing within ${timeoutMs} ms`)); }, timeoutMs);
    worker.on('message', onMessage).on('error', onError).on('exit', onExit);
  });
}

/** libuv's default is 4 threads; UV_THREADPOOL_SIZE, read when the pool first starts, changes it (up to 1024). */
function threadPoolSize(): number {
  const configured = Number.parseInt(process.env.UV_THREADPOOL_SIZE ?? '', 10);
  return Number.isInteger(configured) && configured > 0 ? Math.min(configured, 1024) : 4;
}
