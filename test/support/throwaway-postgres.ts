import { execFile, execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from './test-server.js';

/**
 * A Postgres cluster of a test's own, which it may stop and start: `initdb` into a temporary directory, the
 * server on a free port of 127.0.0.1 with its Unix socket in that directory. The shared cluster the other
 * tests use is never touched.
 */
export interface ThrowawayPostgres {
  readonly port: number;
  /** A connection URL for `database` on this cluster (TCP on 127.0.0.1, trust authentication). */
  url(database?: string): string;
  /** Creates an empty database. */
  createDatabase(name: string): Promise<void>;
  /** `pg_ctl start`, returning once the server accepts connections. */
  start(): Promise<void>;
  /** `pg_ctl stop -m fast`: open sessions are terminated, a shutdown checkpoint is written. */
  stop(): Promise<void>;
  /** Stops the server if it runs (by any means) and removes its directory; safe to call more than once. */
  destroy(): Promise<void>;
}

/** The server's binaries: `pg_config --bindir`, else the newest `/usr/lib/postgresql/<version>/bin`. */
function postgresBinDir(): string {
  const hasTools = (dir: string) => existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl'));
  try {
    const dir = execFileSync('pg_config', ['--bindir'], { encoding: 'utf8' }).trim();
    if (hasTools(dir)) return dir;
  } catch { /* no pg_config on PATH */ }
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => /^\d+$/.test(v)).sort((x, y) => Number(y) - Number(x)) : [];
  const found = versions.map((v) => join(root, v, 'bin')).find(hasTools);
  // A missing server fails the run, as a missing shared Postgres does: no silent skip.
  if (!found) throw new Error('initdb and pg_ctl not found (neither pg_config --bindir nor /usr/lib/postgresql/*/bin has them)');
  return found;
}

/** Postgres refuses to run as root: under root the cluster belongs to the `postgres` account (else `nobody`). */
function unprivilegedOwner(): { uid: number; gid: number } | null {
  if (process.getuid?.() !== 0) return null;
  for (const name of ['postgres', 'nobody']) {
    try {
      const uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8' }).trim());
      const gid = Number(execFileSync('id', ['-g', name], { encoding: 'utf8' }).trim());
      return { uid, gid };
    } catch { /* no such account */ }
  }
  throw new Error('running as root, and neither a postgres nor a nobody account exists to own the cluster');
}

/**
 * `maxConnections`: the server's `max_connections` (default 50, enough for a test's servers; the benchmark
 * runs every target at once, two Hydras with pools of 40 among them). `durable`: fsync on, as an operator runs
 * Postgres, so that a commit waits for its WAL to reach the disk (the benchmark); off by default, since a test
 * never crashes the machine and a clean shutdown writes everything it needs.
 */
export async function createThrowawayPostgres(options: { maxConnections?: number; durable?: boolean } = {}): Promise<ThrowawayPostgres> {
  const maxConnections = options.maxConnections ?? 50;
  const fsync = options.durable ? 'on' : 'off';
  const bin = postgresBinDir();
  const owner = unprivilegedOwner();
  const dir = mkdtempSync(join(tmpdir(), 'lk-pg-'));
  const dataDir = join(dir, 'data');
  const socketDir = join(dir, 'socket');
  mkdirSync(socketDir);
  if (owner) for (const path of [dir, socketDir]) chownSync(path, owner.uid, owner.gid);
  const port = await freePort();
  let destroyed = false;

  const run = (tool: string, args: string[], timeoutMs = 60_000) => new Promise<string>((resolve, reject) => {
    execFile(join(bin, tool), args, { ...(owner ?? {}), cwd: dir, timeout: timeoutMs, env: { PATH: process.env.PATH ?? '', LC_ALL: 'C' } }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${tool} ${args.join(' ')} failed: ${error.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
  const serverLog = () => { try { return readFileSync(join(dir, 'server.log'), 'utf8').slice(-2000); } catch { return ''; } };

  const cluster: ThrowawayPostgres = {
    port,
    url: (database = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${database}`,
    async createDatabase(name) {
      const client = new pg.Client({ connectionString: cluster.url() });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${name}`);
      } finally {
        await client.end();
      }
    },
    async start() {
      const options = `-p ${port} -c listen_addresses=127.0.0.1 -k ${socketDir} -c fsync=${fsync} -c max_connections=${maxConnections}`;
      await run('pg_ctl', ['start', '-D', dataDir, '-l', join(dir, 'server.log'), '-w', '-t', '60', '-o', options])
        .catch((error: unknown) => { throw new Error(`${(error as Error).message}\n${serverLog()}`); });
    },
    async stop() {
      await run('pg_ctl', ['stop', '-D', dataDir, '-m', 'fast', '-w', '-t', '60']);
    },
    async destroy() {
      if (destroyed) return;
      destroyed = true;
      if (existsSync(join(dataDir, 'postmaster.pid'))) {
        await run('pg_ctl', ['stop', '-D', dataDir, '-m', 'immediate', '-w', '-t', '20']).catch(() => {
          // pg_ctl could not stop it: end the postmaster named in its pid file (its children follow).
          const pid = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
          if (pid > 0) try { process.kill(pid, 'SIGQUIT'); } catch { /* already gone */ }
        });
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };

  try {
    await run('initdb', ['-D', dataDir, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--locale=C', '--no-sync']);
    await cluster.start();
  } catch (error) {
    await cluster.destroy();
    throw error;
  }
  return cluster;
}
