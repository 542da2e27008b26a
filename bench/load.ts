import { cpuPerRequest, type CpuPerRequest, type CpuProbe } from './cpu-time.js';

/** What one bounded load run measured. Latencies in milliseconds. */
export interface LoadResult {
  requests: number;
  errors: number;
  rps: number;
  p50: number;
  p95: number;
  p99: number;
  /** The server's CPU time per request over the measured window, when a probe watched it. */
  cpu?: CpuPerRequest;
}

export interface LoadOptions {
  /** Workers sending back to back (a closed loop: a worker sends its next operation when the last one ended). */
  concurrency: number;
  durationMs: number;
  /** Unrecorded warm-up before the measured window (JIT, pools, caches). Default 1 s. */
  warmupMs?: number;
  /** Stop the measured window after this many operations, whatever the time (bounded in count too). */
  maxOperations?: number;
  /** The server's CPU, read at the measured window's start and end (not over the warm-up). */
  cpu?: CpuProbe;
}

/**
 * One unit of load: a request (a non-2xx answer counts as an error) or a whole flow of several requests
 * (a sign-in), which throws when it fails. `worker` is the worker's index, for per-worker state (a refresh
 * token chain, a user of its own).
 */
export type Operation = (worker: number) => Promise<Response | void>;

/** A small closed-loop load generator on loopback: `concurrency` workers run `operation` back to back. */
export async function load(operation: Operation, options: LoadOptions): Promise<LoadResult> {
  const run = async (durationMs: number, record: boolean) => {
    const latencies: number[] = [];
    let errors = 0;
    let started = 0;
    const deadline = performance.now() + durationMs;
    const budget = record ? options.maxOperations ?? Infinity : Infinity;
    await Promise.all(Array.from({ length: options.concurrency }, async (_, worker) => {
      while (performance.now() < deadline && started < budget) {
        started += 1;
        const begun = performance.now();
        try {
          const response = await operation(worker);
          if (response) {
            await response.arrayBuffer();
            if (!response.ok) errors += 1;
          }
        } catch {
          errors += 1;
        }
        if (record) latencies.push(performance.now() - begun);
      }
    }));
    return { latencies, errors };
  };
  await run(options.warmupMs ?? 1000, false);
  const cpuBefore = await options.cpu?.read();
  const started = performance.now();
  const { latencies, errors } = await run(options.durationMs, true);
  const elapsed = (performance.now() - started) / 1000;
  const cpuAfter = await options.cpu?.read();
  const cpu = cpuBefore && cpuAfter ? cpuPerRequest(cpuBefore, cpuAfter, latencies.length) : undefined;
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? 0;
  return { requests: latencies.length, errors, rps: (latencies.length - errors) / elapsed, p50: pct(0.5), p95: pct(0.95), p99: pct(0.99), ...(cpu ? { cpu } : {}) };
}
