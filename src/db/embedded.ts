import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createPoolDatabase, type Database } from './database.js';

/**
 * The embedded database: PGlite (Postgres compiled to WebAssembly) persisted in the data directory.
 *
 * PGlite is one connection in one process, yet the CLI must work while `serve` holds the data directory.
 * So every access, the server's own included, goes through a Unix socket served by
 * `@electric-sql/pglite-socket`, with node-postgres as the only driver: one code path for both databases.
 * Mixing in-process queries with socket connections is unsafe (an in-process query runs inside whatever
 * transaction a socket connection has open), so Latchkey never does it.
 *
 * The socket lives inside the data directory (mode 0700): PGlite has no authentication, and a loopback
 * TCP port would be open to every local user.
 */
const SOCKET_PORT = 5432;
const LOCK_FILE = 'embedded.lock';

export interface EmbeddedOptions {
  dataDir: string;
  /** How long to wait for another process (a CLI command) to release the database. */
  lockTimeoutMs?: number;
  maxConnections?: number;
}

export class EmbeddedDatabaseError extends Error {
  override readonly name = 'EmbeddedDatabaseError';
}

function socketDirectory(dataDir: string): string {
  return resolve(dataDir);
}

function socketPath(dataDir: string): string {
  return join(socketDirectory(dataDir), `.s.PGSQL.${SOCKET_PORT}`);
}

function canConnect(path: string): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect(path);
    socket.once('connect', () => { socket.destroy(); done(true); });
    socket.once('error', () => done(false));
  });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the data directory's lock file, removing it if its holder died. Returns false if held. */
function tryLock(dataDir: string): boolean {
  const file = join(dataDir, LOCK_FILE);
  try {
    writeFileSync(file, String(process.pid), { flag: 'wx', mode: 0o600 });
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const holder = Number.parseInt(readFileSync(file, 'utf8'), 10);
    if (Number.isInteger(holder) && holder !== process.pid && isAlive(holder)) return false;
    rmSync(file, { force: true });
    return tryLock(dataDir);
  }
}

/**
 * Opens the embedded database. If another Latchkey process already serves this data directory, connects
 * to its socket instead (this is how the CLI works next to a running server); otherwise opens PGlite
 * itself, serves it on the socket and connects through that.
 */
export async function openEmbeddedDatabase(options: EmbeddedOptions): Promise<Database> {
  const dataDir = resolve(options.dataDir);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const path = socketPath(dataDir);
  if (path.length > 100) {
    throw new EmbeddedDatabaseError(`LATCHKEY_DATA_DIR path is too long for a Unix socket (${path.length} > 100 characters)`);
  }
  const maxConnections = options.maxConnections ?? 8;
  const deadline = Date.now() + (options.lockTimeoutMs ?? 10_000);

  for (;;) {
    if (existsSync(path) && (await canConnect(path))) {
      return createPoolDatabase({ host: socketDirectory(dataDir), port: SOCKET_PORT, user: 'postgres', database: 'postgres', max: maxConnections }, 'embedded');
    }
    if (tryLock(dataDir)) break;
    if (Date.now() > deadline) {
      throw new EmbeddedDatabaseError(`the embedded database in ${dataDir} is held by another process that does not serve it; stop it and retry`);
    }
    await sleep(100);
  }

  try {
    rmSync(path, { force: true }); // a socket file left by a process that died
    const { PGlite } = await import('@electric-sql/pglite');
    const { PGLiteSocketServer } = await import('@electric-sql/pglite-socket');
    const pglite = await PGlite.create(join(dataDir, 'pgdata'));
    const server = new PGLiteSocketServer({ db: pglite, path, maxConnections });
    await server.start();
    const release = async () => {
      await server.stop().catch(() => {});
      await pglite.close().catch(() => {});
      rmSync(path, { force: true });
      rmSync(join(dataDir, LOCK_FILE), { force: true });
    };
    return createPoolDatabase(
      { host: socketDirectory(dataDir), port: SOCKET_PORT, user: 'postgres', database: 'postgres', max: maxConnections },
      'embedded',
      release,
    );
  } catch (error) {
    rmSync(join(dataDir, LOCK_FILE), { force: true });
    throw error;
  }
}
