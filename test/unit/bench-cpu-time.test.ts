import { pbkdf2 } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { canReadCpu, cpuPerRequest, formatCpu, processCpuNs, type CpuReading } from '../../bench/cpu-time.js';
import { medianRun } from '../../bench/measurement.js';
import { renderMarkdown, type ReportContent } from '../../bench/report.js';

const root = mkdtempSync(join(tmpdir(), 'latchkey-proc-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A process in a fake /proc: its tasks' names and schedstat lines (time on CPU in ns, time waiting, timeslices). */
function fakeProcess(pid: number, tasks: Record<number, [name: string, ns: number]>): void {
  for (const [tid, [name, ns]] of Object.entries(tasks)) {
    mkdirSync(join(root, String(pid), 'task', tid), { recursive: true });
    writeFileSync(join(root, String(pid), 'task', tid, 'comm'), `${name}\n`);
    writeFileSync(join(root, String(pid), 'task', tid, 'schedstat'), `${ns} 1234 56\n`);
  }
}

function reading(main: number, threads: number, database: [number, number][] | null, split = true, pool: number | null = null): CpuReading {
  return { main, threads, pool, split, database: database ? new Map(database) : null };
}

describe('bench CPU time', () => {
  it('splits a process into its main thread (tid = pid) and its other threads, the libuv pool\'s counted apart', () => {
    fakeProcess(4100, { 4100: ['node', 3_000_000], 4101: ['libuv-worker', 2_000_000], 4102: ['libuv-worker', 700_000], 4107: ['V8Worker', 500_000] });
    expect(processCpuNs(4100, root)).toEqual({ main: 3_000_000, threads: 3_200_000, pool: 2_700_000 });
    // A Node that leaves its pool unnamed: no pool figure rather than a zero.
    fakeProcess(4200, { 4200: ['node', 1_000_000], 4201: ['node', 400_000] });
    expect(processCpuNs(4200, root)).toEqual({ main: 1_000_000, threads: 400_000, pool: null });
  });

  it('reads a process that is gone as zero rather than failing the run', () => {
    expect(processCpuNs(4999, root)).toEqual({ main: 0, threads: 0, pool: null });
  });

  it('gives the window per request: backends and a libuv pool that appeared in it count from zero, backends that left do not count', () => {
    const before = reading(1_000_000, 4_000_000, [[10, 5_000_000], [11, 7_000_000], [12, 1_000_000]]);
    // Backend 12 left in the window; 13 was opened in it.
    const after = reading(3_000_000, 6_000_000, [[10, 6_000_000], [11, 8_000_000], [13, 2_000_000]]);
    const cpu = cpuPerRequest(before, after, 1000);
    expect(cpu).toEqual({ processMs: 0.004, mainMs: 0.002, poolMs: null, databaseMs: 0.004 });
    expect(formatCpu(cpu!)).toBe('0.00 (main 0.00) + 0.00 Postgres');
    // A pool started in the window counts from zero.
    const pooled = cpuPerRequest(reading(0, 0, null), reading(1_260_000_000, 900_000_000, null, true, 600_000_000), 1000);
    expect(pooled).toEqual({ processMs: 2.16, mainMs: 1.26, poolMs: 0.6, databaseMs: null });
    expect(formatCpu(pooled!)).toBe('2.16 (main 1.26, pool 0.60)');
  });

  it('counts a server whose threads are not told apart as one process, and has no figure without requests', () => {
    const cpu = cpuPerRequest(reading(0, 0, null, false), reading(600_000_000, 500_000_000, null, false), 1000);
    expect(cpu).toEqual({ processMs: 1.1, mainMs: null, poolMs: null, databaseMs: null });
    expect(formatCpu(cpu!)).toBe('1.10');
    expect(cpuPerRequest(reading(0, 0, null), reading(5, 5, null), 0)).toBeUndefined();
  });

  it('measures this process on this machine: a busy main thread shows in its main thread\'s time, never more than the time that passed', () => {
    expect(canReadCpu()).toBe(true);
    const before = processCpuNs(process.pid);
    const started = performance.now();
    // Spin until the kernel has counted 100 ms on this thread (however busy the machine is), within 10 s.
    let spent = 0;
    while (spent < 100_000_000 && performance.now() - started < 10_000) spent = processCpuNs(process.pid).main - before.main;
    const elapsedNs = (performance.now() - started) * 1e6;
    expect(spent).toBeGreaterThanOrEqual(100_000_000);
    // One thread cannot run longer than the wall time. The kernel adds a running thread's time to its
    // schedstat at a scheduler tick, so the reading taken before the spin can lag by up to one tick
    // (10 ms at the lowest common HZ of 100): that much slack, and no more.
    expect(spent).toBeLessThan(elapsedNs + 12_000_000);
  });

  it('counts node:crypto\'s callback work in this Node\'s libuv pool, whose threads carry the name it looks for', async () => {
    const before = processCpuNs(process.pid);
    // PBKDF2 with a callback runs on the pool: about 250 ms of one core at a million iterations.
    await promisify(pbkdf2)('password', 'salt', 1_000_000, 32, 'sha256');
    const after = processCpuNs(process.pid);
    expect(after.pool).not.toBeNull();
    expect(after.pool! - (before.pool ?? 0)).toBeGreaterThanOrEqual(100_000_000);
  });

  it('adds a CPU column to a scenario whose runs were watched, with the legend', () => {
    const runs = [1000, 1100, 1200].map((rps) => ({ requests: rps * 5, errors: 0, rps, p50: 2, p95: 8, p99: 9, cpu: { processMs: 0.61, mainMs: 0.3, poolMs: 0.2, databaseMs: 0.87 } }));
    const content: ReportContent = {
      machine: { cpus: 2, cpuModel: 'Test CPU', loadAverage: [0, 0, 0], node: 'v24', platform: 'linux', totalMemoryMiB: 1024, postgres: 'PostgreSQL 17' },
      settings: { quick: false, runs: 3, seconds: 5, concurrency: 16, warmupMs: 2000, firstWarmupMs: 8000 },
      measurements: [
        { scenario: 'refresh', target: 'latchkey (Postgres)', runs, median: medianRun(runs) },
        { scenario: 'refresh', target: 'hydra (matched crypto)', skipped: 'hydra did not build' },
      ],
      targets: [],
      startedAt: new Date('2026-12-05T14:00:00Z'),
    };
    const markdown = renderMarkdown(content, 'chart.svg');
    expect(markdown).toContain('| target | req/s | p50 ms | p99 ms | spread (req/s) | CPU ms per request | note |');
    expect(markdown).toContain('| latchkey (Postgres) | 1,100 | 2.0 | 9.0 | 1,000–1,200 | 0.61 (main 0.30, pool 0.20) + 0.87 Postgres |  |');
    expect(markdown).toContain('| hydra (matched crypto) | not measured: hydra did not build | — | — | — | — |  |');
    expect(markdown).toContain('- CPU ms per request: the median run\'s measured window');
  });
});
