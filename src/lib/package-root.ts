import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The folder of Latchkey's own package.json, found from `src/lib` or `dist/src/lib`; null when this code
 * runs outside its package (it then cannot anchor anything to it).
 */
export function packageRoot(): string | null {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i += 1) {
    try {
      const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: unknown };
      if (manifest.name === 'latchkey') return dir;
    } catch { /* keep climbing */ }
    dir = dirname(dir);
  }
  return null;
}
