import { canReadCpu, type CpuProbe } from '../cpu-time.js';
import { load, type LoadResult, type Operation } from '../load.js';
import { medianRun, type Measurement } from '../measurement.js';
import type { BenchSettings } from '../settings.js';
import { interleavedSchedule } from './interleaving.js';

/** A note beside a row, or one written from the median run (a rate per core). */
export type FigureNote = string | ((median: LoadResult) => string);

/** What every scenario module is given: the settings, and where its figures go. */
export interface BenchContext {
  settings: BenchSettings;
  measurements: Measurement[];
  /**
   * Queues a throughput figure: `operation` under load at `concurrency` workers (default: the run's setting),
   * `settings.runs` times. Nothing runs until {@link BenchContext.runQueued}, which measures every target of a
   * scenario in alternating runs; the target must keep serving until then.
   */
  measure(scenario: string, target: string, operation: Operation, options?: { note?: FigureNote; concurrency?: number }): void;
  /**
   * Watches `target`'s CPU in every figure measured on it from now on (its process, and the backends of its
   * database): each run then reports CPU time per request beside its rate. Closed when the run ends. Ignored on
   * a machine that accounts no CPU per thread in /proc (the report then has no CPU column).
   */
  watchCpu(target: string, probe: CpuProbe): void;
  /** Closes the CPU probes' connections. */
  closeProbes(): Promise<void>;
  /** Queues a figure whose single run is not a load on a server (the argon2id ceiling's threads). */
  measureWith(scenario: string, target: string, runOnce: () => Promise<LoadResult>, options?: { note?: FigureNote; concurrency?: number }): void;
  /** Measures every queued figure, interleaved (see interleavedSchedule), and records each one's median run. */
  runQueued(): Promise<void>;
  /** Records a single figure, or a skip with its reason, at once. */
  record(measurement: Measurement): void;
  /** Progress on stderr: a long run says what it is doing. */
  progress(line: string): void;
  /** Whether `scenario` is selected (`--only`). */
  wants(scenario: string): boolean;
}

interface QueuedFigure {
  scenario: string;
  target: string;
  runOnce: () => Promise<LoadResult>;
  /** Unrecorded load before the first run (settings.firstWarmupMs); none for figures that are not a server's. */
  warm?: () => Promise<unknown>;
  concurrency: number;
  note?: FigureNote;
  runs: LoadResult[];
}

export function createContext(settings: BenchSettings): BenchContext {
  const measurements: Measurement[] = [];
  const probes = new Map<string, CpuProbe>();
  const cpuReadable = canReadCpu();
  let queue: QueuedFigure[] = [];
  const progress = (line: string) => process.stderr.write(`${line}\n`);
  const enqueue = (scenario: string, target: string, runOnce: () => Promise<LoadResult>, options: { note?: FigureNote; concurrency?: number; warm?: () => Promise<unknown> }) => {
    queue.push({
      scenario, target, runOnce, concurrency: options.concurrency ?? settings.concurrency, runs: [],
      ...(options.note !== undefined ? { note: options.note } : {}), ...(options.warm ? { warm: options.warm } : {}),
    });
  };
  return {
    settings,
    measurements,
    progress,
    wants: (scenario) => settings.only === null || settings.only.has(scenario),
    record: (measurement) => { measurements.push(measurement); },
    watchCpu: (target, probe) => { if (cpuReadable) probes.set(target, probe); },
    async closeProbes() {
      await Promise.all([...probes.values()].map((probe) => probe.close().catch(() => {})));
      probes.clear();
    },
    measure(scenario, target, operation, options = {}) {
      const concurrency = options.concurrency ?? settings.concurrency;
      const warm = settings.firstWarmupMs > 0 ? () => load(operation, { concurrency, durationMs: settings.firstWarmupMs, warmupMs: 0 }) : undefined;
      const cpu = probes.get(target);
      enqueue(scenario, target, () => load(operation, { concurrency, durationMs: settings.seconds * 1000, warmupMs: settings.warmupMs, ...(cpu ? { cpu } : {}) }), { ...options, concurrency, ...(warm ? { warm } : {}) });
    },
    measureWith(scenario, target, runOnce, options = {}) {
      enqueue(scenario, target, runOnce, options);
    },
    async runQueued() {
      const figures = queue;
      queue = [];
      for (const { figure, run } of interleavedSchedule(figures, settings.runs)) {
        progress(`  ${figure.scenario} · ${figure.target} · run ${run + 1}/${settings.runs}`);
        if (run === 0) await figure.warm?.();
        figure.runs.push(await figure.runOnce());
      }
      for (const figure of figures) {
        const median = medianRun(figure.runs);
        if (median.errors > 0) progress(`    ${figure.scenario} · ${figure.target}: ${median.errors} errors in the median run`);
        const note = typeof figure.note === 'function' ? figure.note(median) : figure.note;
        measurements.push({ scenario: figure.scenario, target: figure.target, runs: figure.runs, median, concurrency: figure.concurrency, ...(note ? { note } : {}) });
      }
    },
  };
}
