import { chmodSync, lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Keeping the embedded database's files to their owner.
 *
 * PGlite runs Postgres on Emscripten's file system, which creates the files of a new database with an
 * explicit `chmod(0o666)` (Emscripten's default file mode, applied after creation, so the process umask
 * does not narrow it) and directories with mode 0o777 less the umask. Postgres itself asks for 0o600 and
 * 0o700. The data directory is 0o700, so nobody else can reach those files today, but a later `chmod`
 * of the directory or a copy of it (a backup, `cp -a`) would carry world-writable database files along.
 */

const GROUP_AND_OTHER = 0o077;
let umaskHolders = 0;
let savedUmask = 0;

/**
 * Runs `work` with the process umask at 0o077, so that whatever it creates (directories, the Unix
 * socket) starts owner-only. The umask is process-wide: it is narrowed once for overlapping callers and
 * restored when the last one ends, and narrowing it for unrelated code in between only makes that code's
 * files more private.
 */
export async function withPrivateUmask<T>(work: () => Promise<T>): Promise<T> {
  if (umaskHolders === 0) savedUmask = process.umask(GROUP_AND_OTHER);
  umaskHolders += 1;
  try {
    return await work();
  } finally {
    umaskHolders -= 1;
    if (umaskHolders === 0) process.umask(savedUmask);
  }
}

/**
 * Removes every group and other permission bit from `dir` and everything under it (symbolic links are
 * neither followed nor changed). Returns how many entries changed. It runs at every start of the embedded
 * database, so data directories made by earlier versions are tightened too.
 */
export function restrictToOwner(dir: string): number {
  let changed = 0;
  const visit = (path: string): void => {
    const stats = lstatSync(path);
    if (stats.isSymbolicLink()) return;
    if (stats.mode & GROUP_AND_OTHER) {
      chmodSync(path, stats.mode & 0o7777 & ~GROUP_AND_OTHER);
      changed += 1;
    }
    if (stats.isDirectory()) for (const name of readdirSync(path)) visit(join(path, name));
  };
  visit(dir);
  return changed;
}
