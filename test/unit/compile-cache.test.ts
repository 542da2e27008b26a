import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const MODULE = new URL('../../src/lib/compile-cache.ts', import.meta.url).href;

describe('compile cache', () => {
  it('keeps compiled modules in an owner-only folder of its own (never the shared temporary folder)', () => {
    const home = mkdtempSync(join(tmpdir(), 'latchkey-home-'));
    try {
      // A process of its own: the cache is per process, and enabling it here would change the test runner's.
      execFileSync(process.execPath, ['--experimental-strip-types', '--no-warnings', '--input-type=module', '-e',
        `const { enableCompileCache } = await import(${JSON.stringify(MODULE)}); enableCompileCache({}); await import('node:zlib'); await import(${JSON.stringify(new URL('../../src/lib/clock.ts', import.meta.url).href)});`,
      ], { env: { PATH: process.env.PATH ?? '', HOME: home } });
      const dir = join(home, '.cache', 'latchkey', 'compile-cache');
      expect(statSync(dir).mode & 0o777).toBe(0o700);
      const [version] = readdirSync(dir);
      expect(readdirSync(join(dir, version!)).length).toBeGreaterThan(0);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});
