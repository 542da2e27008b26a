import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startLatchkey } from '../targets/latchkey.js';
import type { ChildServer } from '../targets/child-process.js';
import type { BenchContext } from './context.js';

/** Idle memory is read once start-up work (JIT, first queries, timers) has settled. */
const SETTLE_MS = 2000;

export function recordIdle(ctx: BenchContext, name: string, server: ChildServer, note?: string): void {
  recordStarts(ctx, name, [sampleStart(server)], note);
}

/** What one start measured: time to ready, idle and peak resident memory. */
interface StartSample { readyMs: number; rssMiB: number; peakMiB: number }

function sampleStart(server: ChildServer): StartSample {
  return { readyMs: server.readyMs, rssMiB: server.rssMiB(), peakMiB: server.peakRssMiB() };
}

/**
 * Several starts as one row each: ready and idle memory as their median (the upper one for an even count),
 * with the range of ready; the start-up peak as the highest, since its target is a ceiling.
 */
function recordStarts(ctx: BenchContext, name: string, samples: readonly StartSample[], note?: string): void {
  const median = (pick: (sample: StartSample) => number) => {
    const sorted = samples.map(pick).sort((a, b) => a - b);
    return Math.round(sorted[Math.floor(sorted.length / 2)]!);
  };
  const ready = samples.map((sample) => Math.round(sample.readyMs));
  const spread = samples.length > 1 ? `median of ${samples.length} starts (${Math.min(...ready)}–${Math.max(...ready)} ms)` : '';
  const readyNote = [note, spread].filter(Boolean).join('; ');
  ctx.record({ scenario: 'ready', target: name, value: median((sample) => sample.readyMs), unit: 'ms', ...(readyNote ? { note: readyNote } : {}) });
  ctx.record({ scenario: 'idle-memory', target: name, value: median((sample) => sample.rssMiB), unit: 'MiB' });
  const peak = Math.round(Math.max(...samples.map((sample) => sample.peakMiB)));
  ctx.record({ scenario: 'start-up-peak-memory', target: name, value: peak, unit: 'MiB', ...(samples.length > 1 ? { note: `highest of ${samples.length} starts` } : {}) });
}

/**
 * Scenarios 6 (idle memory) and 7 (start-up to ready) for Latchkey, on an empty pool: the embedded database's
 * first start (its files and migrations) and restart, and Postgres's first start (migrations) and restart.
 * Each figure is the median of the run's count of starts, each pair on a new data directory or database: a
 * single start varies by a second on a disk still writing back what came before (a cluster just created).
 */
export async function runLatchkeyStartup(ctx: BenchContext, createDatabase: () => Promise<string>): Promise<void> {
  if (!ctx.wants('ready') && !ctx.wants('idle-memory')) return;
  // A restart keeps its secret, as an operator's does (keys and secrets at rest are sealed with it).
  const secret = 'bench-restart-secret-0123456789abcdef0123456789';
  const phases = ['first start', 'restart'] as const;
  const embedded = new Map<string, StartSample[]>();
  const postgres = new Map<string, StartSample[]>();
  const dataDirs: string[] = [];
  const startTwice = async (backend: 'embedded' | 'Postgres', samples: Map<string, StartSample[]>, database: { dataDir?: string; databaseUrl?: string }) => {
    for (const phase of phases) {
      const target = await startLatchkey({ name: `latchkey (${backend}, ${phase})`, ...database, secret });
      await sleep(SETTLE_MS);
      samples.set(target.name, [...(samples.get(target.name) ?? []), sampleStart(target.server)]);
      await target.stop();
    }
  };
  try {
    for (let round = 0; round < ctx.settings.runs; round += 1) {
      ctx.progress(`  start-up · round ${round + 1}/${ctx.settings.runs}`);
      const dataDir = mkdtempSync(join(tmpdir(), 'latchkey-bench-'));
      dataDirs.push(dataDir);
      await startTwice('embedded', embedded, { dataDir });
      await startTwice('Postgres', postgres, { databaseUrl: await createDatabase() });
    }
  } finally {
    // Removed once all were measured: deleting a thousand files keeps the disk busy for the next start.
    for (const dataDir of dataDirs) rmSync(dataDir, { recursive: true, force: true });
  }
  for (const [name, samples] of embedded) recordStarts(ctx, name, samples);
  for (const [name, samples] of postgres) recordStarts(ctx, name, samples, name.endsWith('first start)') ? 'migrations applied' : undefined);
}
