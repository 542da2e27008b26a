import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, currentBackend, type TestDatabase } from '../support/backend.js';
import { ROOT, runCli } from '../support/processes.js';
import { TEST_SECRET } from '../support/test-server.js';

const FILE = `# yaml-language-server: $schema=https://example.invalid/latchkey-config.schema.json
clients:
  reports:
    name: Reports
    grantTypes: [client_credentials]
    scope: reports:read
    secret: { env: REPORTS_SECRET }
groups:
  analysts: { precedence: 5, description: Analysts }
`;

interface JsonPlan { counts: Record<string, number>; entries: { section: string; key: string | null; action: string; fields: string[] }[] }

/** `latchkey config` as an operator runs it: a handful of processes (each opens the database), the engine is tested in-process. */
describe(`latchkey config (${currentBackend()})`, () => {
  let database: TestDatabase;
  let env: Record<string, string>;
  let dir: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    dir = mkdtempSync(join(tmpdir(), 'lk-config-cli-'));
    env = { ...database.env, LOG_LEVEL: 'warn', REPORTS_SECRET: 'reports-secret-0123456789abcdef0123', ...(currentBackend() === 'postgres' ? { LATCHKEY_SECRET: TEST_SECRET } : {}) };
    const migrated = await runCli(['migrate'], env);
    expect(migrated.code, migrated.stderr).toBe(0);
  });
  afterAll(async () => {
    await database?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('prints the committed JSON Schema', async () => {
    const result = await runCli(['config', 'schema'], env);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe(readFileSync(join(ROOT, 'resources/latchkey-config.schema.json'), 'utf8'));
  });

  it('exits 2 on an invalid file listing every problem by its place, and writes nothing', async () => {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, `${FILE}  broken: { precedence: -1, role: 5 }\nusers:\n  - email: x@example.com\n    password: written-in-the-file\n`);
    const result = await runCli(['config', 'apply', bad], env);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`latchkey: ${bad}: 3 problems, nothing was applied:`);
    expect(result.stderr).toMatch(/ {2}- groups\.broken\.precedence: /);
    expect(result.stderr).toMatch(/ {2}- groups\.broken\.role: /);
    expect(result.stderr).toContain('  - users[0].password: a secret is never written in the file: use { env: NAME }');
    const json = await runCli(['--json', 'config', 'apply', bad], env);
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout)).toMatchObject({ error: 'invalid_config', details: [{ path: 'groups.broken.precedence' }, { path: 'groups.broken.role' }, { path: 'users[0].password' }] });
  });

  it('applies a file, printing its plan, and applies its own export unchanged', async () => {
    const file = join(dir, 'latchkey.yaml');
    writeFileSync(file, FILE);
    const applied = await runCli(['config', 'apply', file], env);
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout.split('\n').map((line) => line.trimEnd())).toEqual([
      'ACTION  ENTRY            FIELDS', 'add     groups.analysts', 'add     clients.reports', '2 added, 0 changed, 0 unchanged, 0 removed', '',
    ]);

    const exported = join(dir, 'exported.json');
    const wrote = await runCli(['config', 'export', '--format', 'json', '--output', exported], env);
    expect(wrote.code, wrote.stderr).toBe(0);
    expect(wrote.stdout).toContain('LATCHKEY_CLIENT_REPORTS_SECRET (clients.reports.secret)');
    expect(readFileSync(exported, 'utf8')).not.toContain(env.REPORTS_SECRET);
    const again = await runCli(['--json', 'config', 'apply', '--prune', exported], { ...env, LATCHKEY_CLIENT_REPORTS_SECRET: env.REPORTS_SECRET! });
    expect(again.code, again.stderr).toBe(0);
    const plan = JSON.parse(again.stdout) as JsonPlan;
    expect(plan.counts).toMatchObject({ add: 0, change: 0, remove: 0 });
    expect(plan.entries.filter((e) => e.key !== null).map((e) => `${e.action} ${e.section}.${e.key}`)).toEqual(['unchanged groups.analysts', 'unchanged clients.reports']);
  }, 180_000); // three processes that each start Node and open the database
});
