/** A small closed-loop load generator: `concurrency` workers send requests back to back for `durationMs`. */
export interface LoadResult {
  requests: number;
  errors: number;
  rps: number;
  p50: number;
  p95: number;
  p99: number;
}

export async function load(send: () => Promise<Response>, options: { concurrency: number; durationMs: number; warmupMs?: number }): Promise<LoadResult> {
  const run = async (durationMs: number, record: boolean) => {
    const latencies: number[] = [];
    let errors = 0;
    const deadline = performance.now() + durationMs;
    await Promise.all(Array.from({ length: options.concurrency }, async () => {
      while (performance.now() < deadline) {
        const started = performance.now();
        try {
          const response = await send();
          await response.arrayBuffer();
          if (!response.ok) errors += 1;
        } catch {
          errors += 1;
        }
        if (record) latencies.push(performance.now() - started);
      }
    }));
    return { latencies, errors };
  };
  await run(options.warmupMs ?? 1000, false);
  const started = performance.now();
  const { latencies, errors } = await run(options.durationMs, true);
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? 0;
  return { requests: latencies.length, errors, rps: latencies.length / elapsed, p50: pct(0.5), p95: pct(0.95), p99: pct(0.99) };
}
