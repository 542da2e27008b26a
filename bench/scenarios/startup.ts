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
  ctx.record({ scenario: 'ready', target: name, value: Math.round(server.readyMs), unit: 'ms', ...(note ? { note } : {}) });
  ctx.record({ scenario: 'idle-memory', target: name, value: Math.round(server.rssMiB()), unit: 'MiB' });
  ctx.record({ scenario: 'start-up-peak-memory', target: name, value: Math.round(server.peakRssMiB()), unit: 'MiB' });
}

/**
 * Scenarios 6 (idle memory) and 7 (start-up to ready) for Latchkey, on an empty pool: the embedded database's
 * first start (initdb and migrations) and restart, and Postgres's first start (migrations) and restart.
 */
export async function runLatchkeyStartup(ctx: BenchContext, createDatabase: () => Promise<string>): Promise<void> {
  if (!ctx.wants('ready') && !ctx.wants('idle-memory')) return;
  // A restart keeps its secret, as an operator's does (keys and secrets at rest are sealed with it).
  const secret = 'bench-restart-secret-0123456789abcdef0123456789';
  const dataDir = mkdtempSync(join(tmpdir(), 'latchkey-bench-'));
  try {
    for (const phase of ['first start', 'restart'] as const) {
      const target = await startLatchkey({ name: `latchkey (embedded, ${phase})`, dataDir, secret });
      await sleep(SETTLE_MS);
      recordIdle(ctx, target.name, target.server);
      await target.stop();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
  const databaseUrl = await createDatabase();
  for (const phase of ['first start', 'restart'] as const) {
    const target = await startLatchkey({ name: `latchkey (Postgres, ${phase})`, databaseUrl, secret });
    await sleep(SETTLE_MS);
    recordIdle(ctx, target.name, target.server, phase === 'first start' ? 'migrations applied' : undefined);
    await target.stop();
  }
}
