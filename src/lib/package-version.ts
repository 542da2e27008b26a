import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Latchkey's version, from the package's own package.json (found from `src/lib` or `dist/src/lib`). */
export function packageVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i += 1) {
    try {
      const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: unknown; version?: unknown };
      if (manifest.name === 'latchkey' && typeof manifest.version === 'string') return manifest.version;
    } catch { /* keep climbing */ }
    dir = dirname(dir);
  }
  return 'unknown';
}
