/**
 * What keeps the embedded database's memory small. PGlite's defaults are sized for a browser tab that holds
 * nothing else; in Latchkey's process they made PGlite most of the resident memory:
 *
 * - `shared_buffers` is 128 MB by default, and PGlite touches the whole buffer pool when Postgres starts, so
 *   all of it is resident from the first second (Postgres's WebAssembly memory measured 151 MB resident at
 *   128 MB, 29 MB at 16 MB). Latchkey's tables fit in far less, and a page that does not fit is read again
 *   through the operating system's file cache.
 * - V8 compiles WebAssembly first with its baseline compiler (Liftoff), then recompiles hot functions with
 *   its optimizing compiler. One function of Postgres (104 KB of code, the biggest hot one) needs about
 *   600 MB of compiler memory and three seconds of a core to optimize, and every start paid for it again
 *   within the first queries: a peak of 700 MB, and a core taken from start-up. Baseline code costs more
 *   CPU per query (a fifth more on a mix of upserts, lookups and catalog joins), which the database thread
 *   spends on the second core. The flags are process-wide (V8 has no per-thread compiler flags) and must
 *   stay set while PGlite runs, since Postgres's functions are compiled lazily, at their first call.
 *   Latchkey's other WebAssembly (the HTTP parser of Node's fetch, for outbound requests) is small.
 *
 * Durability is PGlite's own and unchanged: these settings only size a cache and choose a compiler.
 */

/** Postgres settings appended to PGlite's start parameters (a later `-c` overrides an earlier one). */
const SETTINGS = ['-c', 'shared_buffers=16MB'];

/** PGlite's start parameters (`defaults`: PGlite.defaultStartParams) with Latchkey's settings. */
export function startParams(defaults: readonly string[]): string[] {
  return [...defaults, ...SETTINGS];
}

/**
 * initdb's parameters: the same settings, for the bootstrap backends it runs and written into a new
 * database's postgresql.conf (an older database's file keeps 128 MB; the start parameters override it).
 */
export const INITDB_PARAMS: readonly string[] = SETTINGS;

/** V8 flags that keep WebAssembly on the baseline compiler (see above); set before PGlite is compiled. */
export const BASELINE_WASM_FLAGS = '--liftoff-only --no-wasm-tier-up --no-wasm-dynamic-tiering';
