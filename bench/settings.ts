import type { RunSettings } from './measurement.js';

/**
 * `npm run bench [-- --quick] [-- --profile] [-- --only=client-credentials,refresh]`: the full run takes every figure as the
 * median of three 10-second runs at 16 workers; `--quick` runs each once for a second, so CI exercises the
 * whole harness in a few minutes (its figures are not for comparison).
 */
export interface BenchSettings extends RunSettings {
  /** Sessions created for the memory-per-session figure (reported per session and per 10,000). */
  sessions: number;
  only: Set<string> | null;
  /** `--profile`: each Latchkey process runs under `--cpu-prof`; the report gets its flame graph and hot functions. */
  profile: boolean;
}

export function parseSettings(argv: readonly string[]): BenchSettings {
  const quick = argv.includes('--quick');
  const only = argv.find((a) => a.startsWith('--only='))?.slice('--only='.length).split(',').filter(Boolean);
  const unknown = argv.filter((a) => a !== '--quick' && a !== '--profile' && !a.startsWith('--only='));
  if (unknown.length) throw new Error(`unknown argument ${unknown.join(' ')} (use --quick, --profile, --only=SCENARIO,…)`);
  return {
    quick,
    runs: quick ? 1 : 3,
    seconds: quick ? 1 : 10,
    warmupMs: quick ? 200 : 2000,
    firstWarmupMs: quick ? 0 : 8000,
    concurrency: 16,
    sessions: quick ? 40 : 1000,
    only: only?.length ? new Set(only) : null,
    profile: argv.includes('--profile'),
  };
}
