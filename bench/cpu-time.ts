import { readdirSync, readFileSync } from 'node:fs';
import pg from 'pg';

/**
 * CPU time a server spent on the measured window of a run, per request, in milliseconds: its process's main
 * thread, its other threads (the thread pool that signs and hashes, V8's helpers, the embedded database's
 * thread), and the Postgres backends serving its database. A ratio of two servers' rates on a busy two-core
 * machine says which is faster; these say where the difference goes, and they move less with the machine's
 * speed from hour to hour than a rate does. The load generator's own CPU is not counted.
 */
export interface CpuPerRequest {
  /** All of the process's threads. */
  processMs: number;
  /** Its main thread alone; null for a server whose threads are not told apart (Hydra's Go runtime). */
  mainMs: number | null;
  /**
   * Its libuv thread pool (threads named `libuv-worker`): where node:crypto's callback and WebCrypto
   * operations run, so a server's token signatures show here and not on its main thread. Null when the main
   * thread is not told apart, or when no thread carries that name (a Node older than 22 leaves them unnamed).
   */
  poolMs: number | null;
  /** Null when the server has no database of its own here (the bare library, the embedded database). */
  databaseMs: number | null;
}

/** Cumulative CPU time in nanoseconds, as read at one instant. */
export interface CpuReading {
  main: number;
  /** Every thread but the main one, the pool's included. */
  threads: number;
  /** The libuv pool's threads; null when none is named so. */
  pool: number | null;
  /** Whether the main thread is told apart from the others (a Node server) or not (a Go one). */
  split: boolean;
  /** Per backend pid; null when no database is watched, or its backends are not on this machine. */
  database: Map<number, number> | null;
}

/** Reads a server's cumulative CPU time; `close` ends the probe's own database connection, if any. */
export interface CpuProbe {
  read(): Promise<CpuReading>;
  close(): Promise<void>;
}

/**
 * A task's time on a CPU in nanoseconds: the first field of `/proc/<pid>/task/<tid>/schedstat` (the kernel's
 * own accounting, finer than the clock ticks of `stat`). Undefined when the task is gone or the kernel has no
 * schedstat.
 */
export function taskCpuNs(path: string): number | undefined {
  try {
    const first = readFileSync(path, 'utf8').split(' ', 1)[0];
    const ns = Number(first);
    return Number.isFinite(ns) ? ns : undefined;
  } catch {
    return undefined;
  }
}

/** Whether this machine accounts CPU per thread in /proc (Linux with schedstat); elsewhere no CPU figures are given. */
export function canReadCpu(procRoot = '/proc'): boolean {
  return taskCpuNs(`${procRoot}/${process.pid}/task/${process.pid}/schedstat`) !== undefined;
}

/** The name libuv (1.45 and later, Node 22 and later) gives the threads of its pool, in `/proc/…/comm`. */
const POOL_THREAD_NAME = 'libuv-worker';

function threadName(path: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return '';
  }
}

/**
 * A process's threads, split into its main thread (tid = pid) and the rest, the libuv pool's apart (null when
 * no thread has its name); zero for a process that is gone.
 */
export function processCpuNs(pid: number, procRoot = '/proc'): { main: number; threads: number; pool: number | null } {
  let tids: string[];
  try {
    tids = readdirSync(`${procRoot}/${pid}/task`);
  } catch {
    return { main: 0, threads: 0, pool: null };
  }
  let main = 0;
  let threads = 0;
  let pool: number | null = null;
  for (const tid of tids) {
    const task = `${procRoot}/${pid}/task/${tid}`;
    const ns = taskCpuNs(`${task}/schedstat`) ?? 0;
    if (Number(tid) === pid) {
      main += ns;
      continue;
    }
    threads += ns;
    if (threadName(`${task}/comm`) === POOL_THREAD_NAME) pool = (pool ?? 0) + ns;
  }
  return { main, threads, pool };
}

/**
 * A probe of the server process `pid` and, with `databaseUrl`, of the backends of that database (found in
 * pg_stat_activity at each reading, the probe's own connection left out). Backends are read from /proc, so
 * only a server on this machine is counted (a remote LATCHKEY_BENCH_DATABASE_URL gives no database figure).
 */
export function cpuProbe(pid: number, options: { databaseUrl?: string; splitMainThread: boolean; procRoot?: string }): CpuProbe {
  const { databaseUrl, procRoot = '/proc' } = options;
  let client: pg.Client | null = null;
  const backends = async (): Promise<Map<number, number> | null> => {
    if (!databaseUrl) return null;
    if (!client) {
      client = new pg.Client({ connectionString: databaseUrl });
      await client.connect();
    }
    const { rows } = await client.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()');
    const times = new Map<number, number>();
    for (const row of rows) {
      const ns = taskCpuNs(`${procRoot}/${row.pid}/schedstat`);
      if (ns === undefined) return null;
      times.set(row.pid, ns);
    }
    return times;
  };
  return {
    async read() {
      const database = await backends();
      return { ...processCpuNs(pid, procRoot), split: options.splitMainThread, database };
    },
    async close() {
      await client?.end();
      client = null;
    },
  };
}

/**
 * What the window between two readings cost per request. A backend that appeared in the window is counted from
 * zero (its connection was opened for this load); one that left it is not counted (its last time is unknown).
 */
export function cpuPerRequest(before: CpuReading, after: CpuReading, requests: number): CpuPerRequest | undefined {
  if (requests <= 0) return undefined;
  const perRequestMs = (ns: number) => ns / 1e6 / requests;
  let databaseMs: number | null = null;
  if (before.database && after.database) {
    let ns = 0;
    for (const [pid, time] of after.database) ns += time - (before.database.get(pid) ?? 0);
    databaseMs = perRequestMs(ns);
  }
  const main = after.main - before.main;
  // The pool's threads are started on first use: one started in the window counts from zero.
  const pool = after.split && after.pool !== null ? perRequestMs(after.pool - (before.pool ?? 0)) : null;
  return { processMs: perRequestMs(main + after.threads - before.threads), mainMs: after.split ? perRequestMs(main) : null, poolMs: pool, databaseMs };
}

/** `2.16 (main 1.26, pool 0.60) + 0.84 Postgres`: milliseconds per request, the process's and its database's. */
export function formatCpu(cpu: CpuPerRequest): string {
  const parts = [...(cpu.mainMs === null ? [] : [`main ${cpu.mainMs.toFixed(2)}`]), ...(cpu.poolMs === null ? [] : [`pool ${cpu.poolMs.toFixed(2)}`])];
  const process = parts.length === 0 ? cpu.processMs.toFixed(2) : `${cpu.processMs.toFixed(2)} (${parts.join(', ')})`;
  return cpu.databaseMs === null ? process : `${process} + ${cpu.databaseMs.toFixed(2)} Postgres`;
}
