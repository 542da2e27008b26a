import { load, type Operation } from '../load.js';
import { medianRun, type Measurement } from '../measurement.js';
import type { BenchSettings } from '../settings.js';

/** What every scenario module is given: the settings, and where its figures go. */
export interface BenchContext {
  settings: BenchSettings;
  measurements: Measurement[];
  /**
   * Runs `operation` `settings.runs` times and records the median run (and every run) for the report, at
   * `concurrency` workers (default: the run's setting).
   */
  measure(scenario: string, target: string, operation: Operation, options?: { note?: string; concurrency?: number }): Promise<void>;
  /** Records a single figure, or a skip with its reason. */
  record(measurement: Measurement): void;
  /** Progress on stderr: a long run says what it is doing. */
  progress(line: string): void;
  /** Whether `scenario` is selected (`--only`). */
  wants(scenario: string): boolean;
}

export function createContext(settings: BenchSettings): BenchContext {
  const measurements: Measurement[] = [];
  const progress = (line: string) => process.stderr.write(`${line}\n`);
  return {
    settings,
    measurements,
    progress,
    wants: (scenario) => settings.only === null || settings.only.has(scenario),
    record: (measurement) => { measurements.push(measurement); },
    async measure(scenario, target, operation, options = {}) {
      const runs = [];
      const concurrency = options.concurrency ?? settings.concurrency;
      for (let run = 1; run <= settings.runs; run += 1) {
        progress(`  ${scenario} · ${target} · run ${run}/${settings.runs}`);
        runs.push(await load(operation, { concurrency, durationMs: settings.seconds * 1000, warmupMs: settings.warmupMs }));
      }
      const median = medianRun(runs);
      if (median.errors > 0) progress(`    ${median.errors} errors in the median run`);
      measurements.push({ scenario, target, runs, median, concurrency, ...(options.note ? { note: options.note } : {}) });
    },
  };
}
