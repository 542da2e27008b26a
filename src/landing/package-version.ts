import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

/** Latchkey's version from its package.json (found from `src/landing` or `dist/src/landing`). */
export function packageVersion(): string {
  if (cached !== undefined) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i += 1) {
    try {
      const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: unknown; version?: unknown };
      if (manifest.name === 'latchkey' && typeof manifest.version === 'string') return (cached = manifest.version);
    } catch { /* keep climbing */ }
    dir = dirname(dir);
  }
  return (cached = 'unknown');
}
