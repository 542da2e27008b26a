import type { MachineInfo, Measurement, RunSettings, TargetCheck } from './measurement.js';

/** Everything a report shows: what both the Markdown and the chart are rendered from. */
export interface ReportContent {
  machine: MachineInfo;
  settings: RunSettings;
  measurements: readonly Measurement[];
  targets: readonly TargetCheck[];
  startedAt: Date;
}

/** The scenarios in the order they were first measured, each with its rows in measured order. */
export function byScenario(measurements: readonly Measurement[]): [string, Measurement[]][] {
  const groups = new Map<string, Measurement[]>();
  for (const measurement of measurements) {
    const group = groups.get(measurement.scenario);
    if (group) group.push(measurement);
    else groups.set(measurement.scenario, [measurement]);
  }
  return [...groups];
}

/** Requests per second: whole numbers with thousands separators from 100 up, more digits below. */
export function formatRate(rps: number): string {
  if (rps >= 100) return Math.round(rps).toLocaleString('en-US');
  return rps >= 10 ? rps.toFixed(1) : rps.toFixed(2);
}

/** Milliseconds: one decimal from 1 ms up, two below (loopback requests can take a fraction of one). */
export function formatMs(ms: number): string {
  return ms >= 1 ? ms.toFixed(1) : ms.toFixed(2);
}

/** `2026-12-02 04:41 UTC`: reports are named and titled in UTC, so runs on different machines sort together. */
export function utcMinute(date: Date): string {
  return `${date.toISOString().slice(0, 10)} ${date.toISOString().slice(11, 16)} UTC`;
}
