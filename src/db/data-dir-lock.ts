import { createHash, randomBytes } from 'node:crypto';
import { linkSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';

/**
 * An exclusive lock on a data directory, so that two processes never open the same PGlite files.
 *
 * On Linux it is an abstract Unix socket named after the directory: binding is atomic, and the kernel
 * frees it when the process dies, so there is no stale lock to clean up and no check-then-act race.
 * Elsewhere it is a lock file created atomically with its content (write a temporary file, then `link`
 * it into place); a lock whose process is gone is taken over.
 */
export interface DataDirLock {
  release(): Promise<void>;
}

/** Tries once; resolves null when another process holds the lock. */
export async function tryLockDataDir(dataDir: string): Promise<DataDirLock | null> {
  return process.platform === 'linux' ? tryAbstractSocketLock(dataDir) : tryLockFile(dataDir);
}

function tryAbstractSocketLock(dataDir: string): Promise<DataDirLock | null> {
  const name = `\0latchkey-data-dir:${createHash('sha256').update(realpathSync(dataDir)).digest('hex').slice(0, 32)}`;
  return new Promise((resolve, reject) => {
    const server: Server = createServer((socket) => socket.destroy());
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') resolve(null);
      else reject(error);
    });
    server.listen({ path: name }, () => {
      server.unref();
      resolve({ release: () => new Promise((done) => server.close(() => done())) });
    });
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

async function tryLockFile(dataDir: string): Promise<DataDirLock | null> {
  const file = join(dataDir, 'embedded.lock');
  const temp = join(dataDir, `.embedded.lock.${process.pid}.${randomBytes(4).toString('hex')}`);
  writeFileSync(temp, String(process.pid), { mode: 0o600 });
  try {
    for (let attempt = 0; attempt < 2; attempt += 1) {
      try {
        linkSync(temp, file); // atomic: fails if the lock exists, and is never seen half-written
        return { release: async () => rmSync(file, { force: true }) };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        const holder = Number.parseInt(readFileSync(file, 'utf8'), 10);
        if (Number.isInteger(holder) && isAlive(holder)) return null;
        rmSync(file, { force: true }); // its process is gone
      }
    }
    return null;
  } finally {
    rmSync(temp, { force: true });
  }
}
