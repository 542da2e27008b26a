import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readOrCreateDataDirSecret } from '../../src/config/data-dir-secret.js';
import { tryLockDataDir } from '../../src/db/data-dir-lock.js';

describe('data directory lock', () => {
  it('admits one holder at a time and is free again after release', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lk-lock-'));
    const first = await tryLockDataDir(dir);
    expect(first).not.toBeNull();
    expect(await tryLockDataDir(dir)).toBeNull();
    await first!.release();
    const again = await tryLockDataDir(dir);
    expect(again).not.toBeNull();
    await again!.release();
  });

  it('locks per directory', async () => {
    const a = await tryLockDataDir(mkdtempSync(join(tmpdir(), 'lk-lock-')));
    const b = await tryLockDataDir(mkdtempSync(join(tmpdir(), 'lk-lock-')));
    expect(a).not.toBeNull();
    expect(b).not.toBeNull();
    await a!.release();
    await b!.release();
  });
});

describe('generated data-dir secret', () => {
  it('is created once, at least 32 characters, and read back unchanged', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lk-secret-'));
    const created = readOrCreateDataDirSecret(dir);
    expect(created.generated).toBe(true);
    expect(created.secret.length).toBeGreaterThanOrEqual(32);
    expect(readOrCreateDataDirSecret(dir)).toEqual({ secret: created.secret, generated: false });
  });

  it('refuses a short secret file instead of using it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lk-secret-'));
    writeFileSync(join(dir, 'secret'), 'short\n');
    expect(() => readOrCreateDataDirSecret(dir)).toThrow(/shorter than 32/);
  });
});
