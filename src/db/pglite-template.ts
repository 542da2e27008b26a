import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { constants, gunzipSync, gzipSync } from 'node:zlib';
// The .ts name: the database thread imports this file, and under the tests Node runs that thread's files as
// they are (the build rewrites the name to .js).
import { INITDB_PARAMS } from './pglite-tuning.ts';
import { defaultMigrationsDir, readMigrations } from './migrate.ts';

/**
 * A new embedded database's files, made by initdb and migrated once when Latchkey is built, and copied into
 * place at the first start. PGlite's initdb is the bulk of a first start (two to five seconds of WebAssembly)
 * and of its memory (a peak of several hundred MB), and applying the migrations was 0.4 s more; copying the
 * result takes a fraction of a second and little memory. The copy is the schema and nothing else: keys,
 * secrets and clients are made at the first start as before, and the values a migration draws for each
 * installation (the pool identifiers) are drawn again when the copy is first opened (installation-values.ts),
 * so no two installations share anything but the schema and the empty cluster (its system identifier
 * included, which only replication would read, and an embedded database has none).
 *
 * The template is keyed by PGlite's version, the initdb parameters and the migrations (their versions and
 * checksums): a template from another version, other parameters or other migrations is not used, and the
 * database is created by initdb and migrated at the first start as before (also when there is no template,
 * as when the sources run unbuilt). The database thread unpacks it (pglite-thread-worker.ts): a
 * thousand files, whose creation is most of the work, while the main thread loads the application.
 *
 * Format: gzip of a JSON header line, then per directory `path\0d\0`, per file `path\0size\0` and its bytes
 * (parents before what they hold). Paths are relative and
 * checked, so a damaged or planted archive cannot write outside the new directory.
 */

/** Where the build writes the template: beside the compiled code (dist/pglite-template.gz). */
export const BUILT_TEMPLATE = fileURLToPath(new URL('../../pglite-template.gz', import.meta.url));

interface TemplateHeader {
  format: 1;
  key: string;
  /** Entries: directories and files. */
  files: number;
}

/** The size field of a directory's entry. */
const DIRECTORY = 'd';

/** What a template must have been made with: this PGlite, these initdb parameters and these migrations. */
export function templateKey(): string {
  const require = createRequire(import.meta.url);
  const entry = require.resolve('@electric-sql/pglite');
  // The package's own package.json, found from its entry (its exports do not list the file).
  let folder = dirname(entry);
  while (!existsSync(join(folder, 'package.json')) && dirname(folder) !== folder) folder = dirname(folder);
  const { version } = JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8')) as { version: string };
  const migrations = createHash('sha256');
  for (const { version, checksum } of readMigrations(defaultMigrationsDir())) migrations.update(`${version}:${checksum}\n`);
  return JSON.stringify({ pglite: version, initdb: INITDB_PARAMS, migrations: migrations.digest('hex') });
}

/** Every directory (Postgres needs its empty ones, such as pg_notify) and file under `root`, parents first. */
function entriesUnder(root: string): { path: string; directory: boolean }[] {
  const entries: { path: string; directory: boolean }[] = [];
  const walk = (folder: string) => {
    for (const name of readdirSync(folder).sort()) {
      const path = join(folder, name);
      const directory = statSync(path).isDirectory();
      entries.push({ path, directory });
      if (directory) walk(path);
    }
  };
  walk(root);
  return entries;
}

function readHeader(data: Buffer): Partial<TemplateHeader> & { end: number } {
  const end = data.indexOf(10);
  if (end < 0) throw new Error('the embedded database template is damaged');
  return { ...(JSON.parse(data.subarray(0, end).toString('utf8')) as Partial<TemplateHeader>), end };
}

/** How much of the file is inflated to read its header (a line of about a hundred bytes). */
const HEADER_PEEK_BYTES = 4096;

/**
 * Whether `file` is a template for this PGlite and these parameters, from its header alone: the file's first
 * bytes, inflated as far as they go (the whole is 4 MB to read and 40 MB inflated, for one line).
 */
export function templateMatches(file: string): boolean {
  if (!existsSync(file)) return false;
  try {
    const start = Buffer.alloc(HEADER_PEEK_BYTES);
    const fd = openSync(file, 'r');
    let read: number;
    try {
      read = readSync(fd, start, 0, HEADER_PEEK_BYTES, 0);
    } finally {
      closeSync(fd);
    }
    const header = readHeader(gunzipSync(start.subarray(0, read), { finishFlush: constants.Z_SYNC_FLUSH }));
    return header.format === 1 && header.key === templateKey();
  } catch {
    return false;
  }
}

/** Packs the database in `pgdata` (shut down) into `file`. */
export function writeTemplate(pgdata: string, file: string): { files: number; bytes: number } {
  const entries = entriesUnder(pgdata);
  const header: TemplateHeader = { format: 1, key: templateKey(), files: entries.length };
  const parts: Buffer[] = [Buffer.from(`${JSON.stringify(header)}\n`)];
  for (const { path, directory } of entries) {
    const name = relative(pgdata, path).split(sep).join('/');
    if (directory) {
      parts.push(Buffer.from(`${name}\0${DIRECTORY}\0`));
      continue;
    }
    const bytes = readFileSync(path);
    parts.push(Buffer.from(`${name}\0${bytes.length}\0`), bytes);
  }
  const packed = gzipSync(Buffer.concat(parts));
  writeFileSync(file, packed);
  return { files: entries.filter((entry) => !entry.directory).length, bytes: packed.length };
}

const SAFE_PATH = /^(?!.*(?:^|\/)\.\.?(?:\/|$))[\w.+-]+(?:\/[\w.+-]+)*$/;

/**
 * Unpacks the template in `file` as a new database in `pgdata` (absent), owner-only, through a temporary
 * directory renamed into place as initdb's creation does. Returns false, writing nothing, when there is no
 * template, it was made for another PGlite or other parameters, or `pgdata` exists; throws on a damaged one,
 * which is checked whole before anything is written.
 */
export function restoreTemplate(file: string, pgdata: string): boolean {
  // An existing directory, even empty, is initdb's path to judge (it refuses one holding other files).
  if (!existsSync(file) || existsSync(pgdata)) return false;
  const data = gunzipSync(readFileSync(file));
  const header = readHeader(data);
  if (header.format !== 1 || header.key !== templateKey()) return false;
  const entries = parseEntries(data, header, file);
  const temporary = `${pgdata}.creating`;
  rmSync(temporary, { recursive: true, force: true });
  mkdirSync(temporary, { mode: 0o700 });
  try {
    unpack(entries, temporary);
  } catch (error) {
    rmSync(temporary, { recursive: true, force: true });
    throw error;
  }
  renameSync(temporary, pgdata);
  return true;
}

interface TemplateEntry {
  /** Relative, checked against SAFE_PATH. */
  path: string;
  /** A file's bytes; null for a directory. */
  bytes: Buffer | null;
}

/** Reads and checks every entry after the header. */
function parseEntries(data: Buffer, header: Partial<TemplateHeader> & { end: number }, file: string): TemplateEntry[] {
  const damaged = () => new Error(`the embedded database template ${file} is damaged: build Latchkey again (npm run build)`);
  const entries: TemplateEntry[] = [];
  let offset = header.end + 1;
  const field = () => {
    const end = data.indexOf(0, offset);
    if (end < 0) throw damaged();
    const value = data.subarray(offset, end).toString('utf8');
    offset = end + 1;
    return value;
  };
  while (offset < data.length) {
    const path = field();
    const sizeField = field();
    if (!SAFE_PATH.test(path)) throw damaged();
    if (sizeField === DIRECTORY) {
      entries.push({ path, bytes: null });
      continue;
    }
    const size = Number(sizeField);
    if (!/^\d+$/.test(sizeField) || !Number.isSafeInteger(size) || offset + size > data.length) throw damaged();
    entries.push({ path, bytes: data.subarray(offset, offset + size) });
    offset += size;
  }
  if (entries.length !== header.files) throw damaged();
  return entries;
}

/** Writes checked entries into `temporary`, parents first. */
function unpack(entries: readonly TemplateEntry[], temporary: string): void {
  for (const { path, bytes } of entries) {
    const target = join(temporary, ...path.split('/'));
    mkdirSync(bytes === null ? target : dirname(target), { recursive: true, mode: 0o700 });
    if (bytes !== null) writeFileSync(target, bytes, { mode: 0o600 });
  }
}
