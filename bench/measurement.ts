import type { LoadResult } from './load.js';

/**
 * What every benchmark scenario hands to the report: one row per (scenario, target). A throughput row carries
 * the median run by requests per second (of at least three, one in `--quick`); a single-value row (memory,
 * start-up time, bytes per session) carries `value` and its `unit`. A target that could not be measured
 * carries `skipped` with the reason, which the report prints instead of figures.
 */
export interface Measurement {
  /** Stable scenario id, e.g. `client-credentials`, `refresh`, `userinfo`, `startup`. */
  scenario: string;
  /** Who served it, e.g. `latchkey (Postgres)`, `bare oidc-provider (memory)`, `hydra (matched crypto)`. */
  target: string;
  /** The median run of a throughput scenario, and every run, for the report's spread column. */
  median?: LoadResult;
  runs?: LoadResult[];
  /** The workers a throughput row ran with (the run's setting unless the scenario chose another). */
  concurrency?: number;
  /** A single figure (memory in MiB, time in ms, bytes per session), with its unit. */
  value?: number;
  unit?: string;
  /** Why there are no figures (a peer that cannot serve the scenario, a tool that would not build). */
  skipped?: string;
  /** A short remark printed beside the row (e.g. `Postgres round trips: 3`). */
  note?: string;
}

/** The machine a report was measured on: figures from different machines are not compared. */
export interface MachineInfo {
  cpus: number;
  cpuModel: string;
  loadAverage: [number, number, number];
  node: string;
  platform: string;
  totalMemoryMiB: number;
  postgres: string;
}

/** A target ratio the issue sets, checked on figures from one run. */
export interface TargetCheck {
  measure: string;
  target: string;
  measured: string;
  met: boolean | null;
}

/** The run's settings, printed at the top of the report. */
export interface RunSettings {
  quick: boolean;
  runs: number;
  seconds: number;
  concurrency: number;
  /** Unrecorded load before each run (milliseconds). */
  warmupMs: number;
  /**
   * Unrecorded load once more before a figure's first run: a server's code reaches its steady speed only after
   * some seconds of load (Latchkey's client credentials went from 1,929 to 2,570 and then about 2,700 per
   * second over three 5-second runs, the bare library's from 2,603 to 2,924 and 3,209), and the first of three
   * runs would otherwise weigh in a server still warming up. The same for every target.
   */
  firstWarmupMs: number;
}

/** The median of `runs` by requests per second (the upper median for an even count). */
export function medianRun(runs: readonly LoadResult[]): LoadResult {
  if (runs.length === 0) throw new Error('no runs to take a median of');
  const sorted = [...runs].sort((a, b) => a.rps - b.rps);
  return sorted[Math.floor(sorted.length / 2)]!;
}
