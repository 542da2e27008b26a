import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readOrCreateDataDirSecret } from '../../src/config/data-dir-secret.js';
import { tryLockDataDir } from '../../src/db/data-dir-lock.js';
import { openDatabase } from '../../src/db/open-database.js';
import { runCli } from '../support/processes.js';
import { startTestServer } from '../support/test-server.js';

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

/** Every path under `dir` (itself included) whose mode has group- or other-write set, with that mode. */
function groupOrWorldWritable(dir: string): string[] {
  const found: string[] = [];
  const visit = (path: string): void => {
    const stats = lstatSync(path);
    if (stats.mode & 0o022) found.push(`${path.slice(dir.length) || '/'} ${(stats.mode & 0o777).toString(8)}`);
    if (stats.isDirectory()) for (const name of readdirSync(path)) visit(join(path, name));
  };
  visit(dir);
  return found;
}

describe('embedded data directory permissions', () => {
  it('leaves no group- or world-writable file or directory after a server started, even under umask 0', async () => {
    // umask 0 is what some container images run with: nothing may rely on the umask to narrow modes.
    const previous = process.umask(0);
    const dir = join(mkdtempSync(join(tmpdir(), 'lk-perm-')), 'data');
    try {
      readOrCreateDataDirSecret(dir);
      const server = await startTestServer({ env: { LATCHKEY_DATA_DIR: dir } });
      try {
        // A CLI command attaching while the server runs, and a write that makes Postgres create files.
        const cli = await openDatabase({ databaseUrl: null, dataDir: dir });
        await cli.query('CREATE TABLE permission_probe AS SELECT generate_series(1, 1000) AS n');
        await cli.close();
        expect(lstatSync(dir).mode & 0o777).toBe(0o700);
        expect(lstatSync(join(dir, 'secret')).mode & 0o777).toBe(0o600);
        expect(lstatSync(join(dir, '.s.PGSQL.5432')).mode & 0o777).toBe(0o600);
        expect(groupOrWorldWritable(dir)).toEqual([]);
      } finally {
        await server.close();
      }
      expect(groupOrWorldWritable(dir)).toEqual([]);
    } finally {
      process.umask(previous);
      rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);

  it('tightens a data directory that an earlier version left with world-writable database files', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lk-perm-'));
    try {
      const first = await openDatabase({ databaseUrl: null, dataDir: dir, role: 'server' });
      await first.close();
      mkdirSync(join(dir, 'pgdata', 'loose'), { mode: 0o777 });
      writeFileSync(join(dir, 'pgdata', 'loose', 'file'), 'x', { mode: 0o666 });
      chmodSync(join(dir, 'pgdata', 'loose'), 0o777);
      chmodSync(join(dir, 'pgdata', 'loose', 'file'), 0o666);
      chmodSync(dir, 0o777);
      const again = await openDatabase({ databaseUrl: null, dataDir: dir, role: 'server' });
      await again.close();
      expect(lstatSync(dir).mode & 0o777).toBe(0o700);
      expect(lstatSync(join(dir, 'pgdata', 'loose')).mode & 0o777).toBe(0o700);
      expect(lstatSync(join(dir, 'pgdata', 'loose', 'file')).mode & 0o777).toBe(0o600);
      expect(groupOrWorldWritable(dir)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('no silent new database', () => {
  it('refuses a CLI command on a folder without a database, creating nothing, and lets migrate create one, saying where', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lk-empty-'));
    const env = { LATCHKEY_DATA_DIR: dir, LOG_LEVEL: 'warn' };
    const listed = await runCli(['user', 'list'], env);
    expect(listed.code).not.toBe(0);
    expect(listed.stderr).toContain(`no Latchkey database in ${dir}`);
    expect(existsSync(join(dir, 'pgdata'))).toBe(false);

    const migrated = await runCli(['migrate'], env);
    expect(migrated.code, migrated.stderr).toBe(0);
    expect(migrated.stderr).toContain(`creating a new embedded database in ${dir}`);
    const again = await runCli(['--json', 'user', 'list'], env);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).not.toContain('creating a new');
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);
});
