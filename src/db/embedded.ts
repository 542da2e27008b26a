import { chmodSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createPoolDatabase, type Database } from './database.js';
import { tryLockDataDir, type DataDirLock } from './data-dir-lock.js';
import { createPGliteDatabase, startPGliteThread } from './pglite-thread.js';
import { BUILT_TEMPLATE, templateMatches } from './pglite-template.js';
import { restrictToOwner, withPrivateUmask } from './private-files.js';
import { drawInstallationValues } from './installation-values.js';

/**
 * The embedded database: PGlite (Postgres compiled to WebAssembly) persisted in the data directory.
 *
 * PGlite is one connection in one process, yet the CLI must work while `serve` holds the data directory.
 * So every access, the server's own included, goes through a Unix socket served by
 * `@electric-sql/pglite-socket`, with node-postgres as the only driver: one code path for both databases.
 * Mixing in-process queries with socket connections is unsafe (an in-process query runs inside whatever
 * transaction a socket connection has open), so Latchkey never does it. PGlite and its socket server run on
 * a thread of their own (pglite-thread.ts), so the database works on another core than the HTTP server.
 *
 * Roles: a `server` serves PGlite on the shared socket (port 5432 in the socket name), which CLI commands
 * attach to. A CLI command that finds no server opens PGlite itself behind a private socket (5433) that
 * nobody attaches to, so a server never depends on a short-lived CLI process. The directory lock keeps two
 * processes from ever opening the same files. The sockets live in the data directory (0700, sockets 0600):
 * PGlite has no authentication, and a loopback TCP port would be open to every local user. Everything in
 * the directory is kept owner-only (see private-files.ts).
 */
const SERVER_PORT = 5432;
const PRIVATE_PORT = 5433;

/** Connections a CLI command attached to a running server uses (it runs one statement at a time). */
const CLI_POOL_SIZE = 2;
/** Room on the server's socket for that many CLI commands at once, beyond the server's own pool. */
const CLI_HEADROOM = 4 * CLI_POOL_SIZE;

export interface EmbeddedOptions {
  dataDir: string;
  /** `server` serves the shared socket; `client` (the CLI) attaches to a server or opens privately. */
  role?: 'server' | 'client';
  /** How long to wait for another process to release the database. */
  lockTimeoutMs?: number;
  maxConnections?: number;
  /**
   * Whether a database may be created when `dataDir` holds none. The server and `latchkey migrate` may (and
   * are told where through `onCreate`); every other CLI command refuses, so running one from another folder
   * never leaves a new, empty database behind.
   */
  mayCreate?: boolean;
  /** Called with the directory when a new database is about to be created there. */
  onCreate?: (dataDir: string) => void;
}

export class EmbeddedDatabaseError extends Error {
  override readonly name = 'EmbeddedDatabaseError';
}

function canConnect(path: string): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect(path);
    socket.once('connect', () => { socket.destroy(); done(true); });
    socket.once('error', () => done(false));
  });
}

/**
 * What happens when the database thread ends on its own (Postgres exited, or an error escaped it): PGlite
 * cannot be reopened behind open connections, so the process ends with the reason, as it would if the
 * database had crashed inside it, instead of serving errors with a database that is gone for good.
 */
function databaseLost(dataDir: string): (error: Error) => void {
  return (error) => {
    process.nextTick(() => {
      throw new EmbeddedDatabaseError(`the embedded database in ${dataDir} stopped: ${error.message}`, { cause: error });
    });
  };
}

/** Opens the embedded database in `dataDir` for a server or a CLI command (see the roles above). */
export async function openEmbeddedDatabase(options: EmbeddedOptions): Promise<Database> {
  const role = options.role ?? 'client';
  const dataDir = resolve(options.dataDir);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  chmodSync(dataDir, 0o700); // an existing directory too: the sockets inside carry no authentication
  const serverSocket = join(dataDir, `.s.PGSQL.${SERVER_PORT}`);
  const port = role === 'server' ? SERVER_PORT : PRIVATE_PORT;
  const ownSocket = join(dataDir, `.s.PGSQL.${port}`);
  if (ownSocket.length > 100) {
    throw new EmbeddedDatabaseError(`LATCHKEY_DATA_DIR path is too long for a Unix socket (${ownSocket.length} > 100 characters)`);
  }
  const maxConnections = options.maxConnections ?? 8;
  // The server's own pool may hold `maxConnections` (idle ones too, for a while); the socket admits more, so
  // CLI commands attaching meanwhile are never turned away (a full socket server resets the connection).
  const socketConnections = maxConnections + CLI_HEADROOM;
  const pool = (p: number) => ({ host: dataDir, port: p, user: 'postgres', database: 'postgres', max: maxConnections });
  const deadline = Date.now() + (options.lockTimeoutMs ?? (role === 'server' ? 30_000 : 10_000));

  let lock: DataDirLock | null;
  for (;;) {
    if (existsSync(serverSocket) && (await canConnect(serverSocket))) {
      if (role === 'server') {
        throw new EmbeddedDatabaseError(`another Latchkey server already serves ${dataDir}; the embedded database takes one server (use DATABASE_URL with Postgres for several)`);
      }
      return createPoolDatabase({ ...pool(SERVER_PORT), max: CLI_POOL_SIZE }, 'embedded');
    }
    lock = await tryLockDataDir(dataDir);
    if (lock) break;
    if (Date.now() > deadline) throw new EmbeddedDatabaseError(`the embedded database in ${dataDir} is busy (another Latchkey command holds it); retry`);
    await sleep(100);
  }

  let database: Database;
  try {
    const pgdata = join(dataDir, 'pgdata');
    const creating = !existsSync(join(pgdata, 'PG_VERSION'));
    if (creating) {
      if (options.mayCreate === false) {
        throw new EmbeddedDatabaseError(`no Latchkey database in ${dataDir}: run \`latchkey migrate\` first (or start the server with npm start), or set LATCHKEY_DATA_DIR (or DATABASE_URL) to the database you meant`);
      }
      options.onCreate?.(dataDir);
    }
    rmSync(ownSocket, { force: true }); // a socket file left by a process that died
    const didNotStart = (error: unknown): never => {
      throw new EmbeddedDatabaseError(`the embedded database in ${dataDir} did not start: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    };
    // The threads create the database files and the socket: under an owner-only umask (process-wide). A new
    // database is the build's template, unpacked by the serving thread itself (see startPGliteThread); without
    // one that fits, or over a directory already there, initdb judges and creates, on a thread of its own,
    // which gives back most of the memory initdb took (hundreds of MB) when it ends.
    const restoreFrom = creating && !existsSync(pgdata) && templateMatches(BUILT_TEMPLATE) ? BUILT_TEMPLATE : null;
    const thread = await withPrivateUmask(async () => {
      if (creating && restoreFrom === null) await createPGliteDatabase(pgdata, null);
      return startPGliteThread({ pgdata, socketPath: ownSocket, maxConnections: socketConnections, onLost: databaseLost(dataDir), restoreFrom });
    }).catch(didNotStart);
    chmodSync(ownSocket, 0o600);
    // Databases created by earlier versions have files of mode 0666 (Emscripten's): tighten everything
    // once PGlite is open. A new database is written owner-only, and files Postgres creates are 0600.
    restrictToOwner(dataDir);
    const heldLock = lock;
    const release = async () => {
      await thread.stop(); // the socket server, then PGlite
      rmSync(ownSocket, { force: true });
      await heldLock.release();
    };
    database = createPoolDatabase(pool(port), 'embedded', { onClose: release, channel: thread.notifications });
  } catch (error) {
    await lock.release();
    throw error;
  }
  // A database made from the build's template draws its own pool identifiers (installation-values.ts).
  try {
    await drawInstallationValues(database);
  } catch (error) {
    await database.close();
    throw error;
  }
  return database;
}
