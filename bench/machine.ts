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

async function postgresVersion(databaseUrl: string): Promise<string> {
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    const { rows } = await client.query<{ version: string }>('SELECT version()');
    return rows[0]?.version ?? 'unknown';
  } finally {
    await client.end();
  }
}
