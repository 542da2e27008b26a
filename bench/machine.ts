import os from 'node:os';
import pg from 'pg';
import type { MachineInfo } from './measurement.js';

/**
 * The machine a report is measured on, read when the run starts: the load average tells a reader whether
 * something else was competing for the cores, and figures from different machines are not compared.
 */
export async function machineInfo(databaseUrl: string): Promise<MachineInfo> {
  const [one = 0, five = 0, fifteen = 0] = os.loadavg();
  return {
    // What Node may actually use (a container's CPU quota included), not the host's core count.
    cpus: os.availableParallelism(),
    cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown',
    loadAverage: [one, five, fifteen],
    node: process.version,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    totalMemoryMiB: Math.round(os.totalmem() / 1024 / 1024),
    postgres: await postgresVersion(databaseUrl),
  };
}

/**
 * The server's version and whether a commit waits for the disk: with fsync or synchronous_commit off, every
 * write-heavy figure (refresh, sign-ins, the credential exchange's record) is faster than in production.
 */
async function postgresVersion(databaseUrl: string): Promise<string> {
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    const { rows } = await client.query<{ version: string; fsync: string; synchronous_commit: string }>(
      "SELECT version(), current_setting('fsync') AS fsync, current_setting('synchronous_commit') AS synchronous_commit",
    );
    const row = rows[0];
    return row ? `${row.version}; fsync ${row.fsync}, synchronous_commit ${row.synchronous_commit}` : 'unknown';
  } finally {
    await client.end();
  }
}
