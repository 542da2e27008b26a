import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MemoryFS, PGlite } from '@electric-sql/pglite';

/**
 * Creating a new embedded database. PGlite runs initdb in memory in any case; for a database on disk it
 * then packs the new cluster into a tar archive, unpacks it through its emulated file system onto the disk
 * and starts Postgres from there, which took about a second of the first start, besides initdb's two.
 * Here the database is created and started in memory, shut down cleanly, and its files are written
 * straight to a temporary directory that is renamed into place: an interrupted creation leaves no
 * half-written database behind (the next start removes the leftover and creates it again).
 */

/** The part of Emscripten's file system API (PGlite's `Module.FS`) read here. */
interface EmscriptenFiles {
  readdir(path: string): string[];
  stat(path: string): { mode: number };
  isDir(mode: number): boolean;
  readFile(path: string): Uint8Array;
}

/** A MemoryFS (so PGlite's initdb writes into it directly) whose files go to disk once Postgres shut down. */
class WrittenOnClose extends MemoryFS {
  readonly #target: string;

  constructor(target: string) {
    super();
    this.#target = target;
  }

  override async closeFs(): Promise<void> {
    const fs = this.pg?.Module.FS as unknown as EmscriptenFiles | undefined;
    if (!fs) throw new Error('PGlite closed a database it never opened');
    const temporary = `${this.#target}.creating`;
    const copy = (from: string, to: string): void => {
      mkdirSync(to, { mode: 0o700 });
      for (const name of fs.readdir(from)) {
        if (name === '.' || name === '..') continue;
        const path = `${from}/${name}`;
        if (fs.isDir(fs.stat(path).mode)) copy(path, join(to, name));
        else writeFileSync(join(to, name), fs.readFile(path), { mode: 0o600 });
      }
    };
    copy(PGlite.paths.PGDATA, temporary);
    renameSync(temporary, this.#target);
    await super.closeFs();
  }
}

/** Creates a database in `pgdata` (absent or empty) with PGlite `options`; resolves once it is on disk. */
export async function createDatabaseOnDisk(pgdata: string, options: { startParams: string[]; initDbStartParams: string[]; onStderr: (line: string) => boolean }): Promise<void> {
  if (existsSync(pgdata)) {
    // Files without a database (no PG_VERSION) are not Latchkey's to delete: say so instead.
    if (readdirSync(pgdata).length) throw new Error(`${pgdata} holds files but no database (no PG_VERSION): move it away to create a new database`);
    rmSync(pgdata, { recursive: true });
  }
  rmSync(`${pgdata}.creating`, { recursive: true, force: true }); // left by a creation that was interrupted
  const db = await PGlite.create({ ...options, fs: new WrittenOnClose(pgdata) });
  await db.close();
}
