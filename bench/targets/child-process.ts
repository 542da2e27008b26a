import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** A server the benchmark started as a process of its own, so its memory and start-up are its own. */
export interface ChildServer {
  readonly pid: number;
  /** Spawn to the first 200 from the readiness URL, in milliseconds. */
  readonly readyMs: number;
  /** Resident memory now (VmRSS), and the highest it has been (VmHWM), in MiB. */
  rssMiB(): number;
  peakRssMiB(): number;
  /** Its last lines on stderr, for an error message. */
  output(): string;
  /** SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

function statusField(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : Number.NaN;
}

const running = new Set<ChildProcess>();
// A benchmark stopped with Ctrl-C or by an error must not leave servers behind on the machine.
process.once('exit', () => { for (const child of running) child.kill('SIGKILL'); });

/**
 * Spawns `command` and waits until `readyUrl` answers 200 (within `timeoutMs`). Its stdout goes to /dev/null:
 * a server still formats and writes every request line it logs (Latchkey logs one per request at its default level), but
 * the load generator, in this process, no longer reads them, which took it 13 to 29 µs per request of a
 * logging server's and so favoured the bare library, which logs nothing. Reasons for failing to start come
 * on stderr (Latchkey's, Hydra's and MinIO's), which is kept.
 */
export async function startChildServer(command: string, args: readonly string[], options: { env: Record<string, string>; readyUrl: string; timeoutMs?: number }): Promise<ChildServer> {
  const started = performance.now();
  const child = spawn(command, args, { env: { PATH: process.env.PATH ?? '', ...options.env }, stdio: ['ignore', 'ignore', 'pipe'] });
  running.add(child);
  let tail = '';
  child.stderr.on('data', (chunk: Buffer) => { tail = (tail + chunk.toString('utf8')).slice(-4000); });
  const exited = new Promise<void>((resolve) => child.once('exit', () => { running.delete(child); resolve(); }));
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${command} exited with ${child.exitCode} before it was ready:\n${tail}`);
    try {
      if ((await fetch(options.readyUrl)).status === 200) break;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${command} was not ready within ${options.timeoutMs ?? 60_000} ms:\n${tail}`);
    }
    await sleep(20);
  }
  const readyMs = performance.now() - started;
  const pid = child.pid!;
  return {
    pid,
    readyMs,
    rssMiB: () => statusField(pid, 'VmRSS'),
    peakRssMiB: () => statusField(pid, 'VmHWM'),
    output: () => tail,
    async stop(graceMs = 5000) {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}
