/**
 * Sizes of the embedded database's files, kept in memory instead of asked of the operating system each time.
 *
 * Postgres learns a relation's length by seeking to the end of its file (`lseek(fd, 0, SEEK_END)` in md.c),
 * whenever it plans a statement over the relation (the planner's size estimate) and whenever it extends it:
 * a handful of times for every statement. Under Emscripten's NODEFS, the file system PGlite mounts over a data
 * directory, that seek is `fs.fstatSync(fd).size`: a system call and a Stats object each, 12.4 % of the
 * database thread's time under the refresh scenario. Here a file's size is asked once, then carried along:
 * every write through NODEFS sets it to at least the write's end, and a truncation (`setattr`) or an opening
 * (which may truncate) forgets it, so the next seek asks again.
 *
 * This is exact only while every change to the files goes through this NODEFS, which holds for a data
 * directory the thread owns under its lock (db/data-dir-lock.ts): nothing else writes there while PGlite runs.
 * A wrong, shorter size would make Postgres extend a relation over its own pages, so anything this module
 * does not recognize leaves the file system as it was.
 */

/** The parts of an Emscripten file-system node these operations read. */
interface FsNode {
  mode: number;
}

interface FsStream {
  node: FsNode;
}

type Llseek = (stream: FsStream, offset: number, whence: number) => number;
type Write = (stream: FsStream, buffer: Uint8Array, offset: number, length: number, position?: number | null, canOwn?: boolean) => number;
type Forget = (target: never, ...rest: never[]) => unknown;

/** Emscripten's FS object, as far as this module uses it (PGlite: `db.Module.FS`). */
export interface EmscriptenFs {
  isFile(mode: number): boolean;
  filesystems: Record<string, { stream_ops?: Record<string, unknown>; node_ops?: Record<string, unknown> } | undefined>;
}

const SEEK_END = 2;

const isFunction = (value: unknown): value is (...args: never[]) => unknown => typeof value === 'function';

/**
 * Makes NODEFS remember file sizes (see above) in `candidate`, PGlite's `db.Module.FS`. Returns false, changing
 * nothing, when it is not an Emscripten FS whose NODEFS has the operations this relies on (another build), and
 * true once done; a second call changes nothing more.
 */
export function rememberFileSizes(candidate: unknown): boolean {
  const fs = candidate as Partial<EmscriptenFs> | null;
  if (!fs || !isFunction(fs.isFile) || typeof fs.filesystems !== 'object' || fs.filesystems === null) return false;
  const isFile = fs.isFile.bind(fs);
  const nodefs = fs.filesystems.NODEFS;
  const streamOps = nodefs?.stream_ops;
  const nodeOps = nodefs?.node_ops;
  if (!streamOps || !nodeOps) return false;
  const { llseek, write, setattr, open } = streamOps;
  const nodeSetattr = nodeOps.setattr;
  if (!isFunction(llseek) || !isFunction(write) || !isFunction(setattr) || !isFunction(open) || !isFunction(nodeSetattr)) return false;
  if (streamOps.latchkeyFileSizes === true) return true;

  // Keyed by node: Emscripten keeps one node per path, shared by every stream open on the file.
  const sizes = new WeakMap<FsNode, number>();
  const seek = llseek as Llseek;
  const written = write as Write;

  streamOps.llseek = function seekWithKnownSize(this: unknown, stream: FsStream, offset: number, whence: number): number {
    if (whence !== SEEK_END || !isFile(stream.node.mode)) return seek.call(this, stream, offset, whence);
    let size = sizes.get(stream.node);
    if (size === undefined) {
      size = seek.call(this, stream, 0, SEEK_END);
      sizes.set(stream.node, size);
    }
    // A negative result is the original's error to raise (EINVAL).
    return offset + size < 0 ? seek.call(this, stream, offset, whence) : offset + size;
  };
  streamOps.write = function writeAndGrow(this: unknown, stream: FsStream, buffer: Uint8Array, offset: number, length: number, position?: number | null, canOwn?: boolean): number {
    let count: number;
    try {
      count = written.call(this, stream, buffer, offset, length, position, canOwn);
    } catch (error) {
      // A failed write (a full disk) may still have grown the file by part of it: ask again next time.
      sizes.delete(stream.node);
      throw error;
    }
    const known = sizes.get(stream.node);
    if (known !== undefined) {
      // Without a position, the write went to the descriptor's own offset, which this module does not follow.
      if (typeof position === 'number') sizes.set(stream.node, Math.max(known, position + count));
      else sizes.delete(stream.node);
    }
    return count;
  };
  const forgetting = (original: Forget, nodeOf: (target: never) => FsNode | undefined) => function forgetSize(this: unknown, target: never, ...rest: never[]) {
    const node = nodeOf(target);
    if (node) sizes.delete(node);
    return original.call(this, target, ...rest);
  };
  streamOps.setattr = forgetting(setattr, (stream: FsStream) => stream.node);
  streamOps.open = forgetting(open, (stream: FsStream) => stream.node);
  nodeOps.setattr = forgetting(nodeSetattr, (node: FsNode) => node);
  streamOps.latchkeyFileSizes = true;
  return true;
}
