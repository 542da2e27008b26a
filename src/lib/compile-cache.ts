import { mkdirSync } from 'node:fs';
import * as nodeModule from 'node:module';
import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * Keeps V8's compiled code of every module Latchkey loads on disk, so that a restart (or the next CLI
 * command) does not compile its few thousand modules again: compiling was the largest part of start-up.
 *
 * The folder is NODE_COMPILE_CACHE when set, else `~/.cache/latchkey/compile-cache`, created owner-only. Not
 * the shared temporary folder that Node would pick: cached code runs as Latchkey, so another local user must
 * not be able to place it. Any failure (no home, a read-only disk, an older Node) leaves the cache off.
 */
export function enableCompileCache(env: NodeJS.ProcessEnv = process.env): void {
  if (typeof nodeModule.enableCompileCache !== 'function') return;
  try {
    const dir = env.NODE_COMPILE_CACHE || join(homedir(), '.cache', 'latchkey', 'compile-cache');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    nodeModule.enableCompileCache(dir);
  } catch {
    // Start-up is only slower without it.
  }
}
