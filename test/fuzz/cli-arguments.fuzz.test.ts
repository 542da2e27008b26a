import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, currentBackend, type TestDatabase } from '../support/backend.js';
import { cliEnv } from '../support/cli-database.js';
import { runCli } from '../support/processes.js';
import { hostileString } from './support/arbitraries.js';

/**
 * Each case spawns the CLI (half a second to two seconds on a busy machine), so 30 cases, run on the real
 * Postgres only (vitest.config.ts): the parsers are the same on both databases.
 */
const CLI_RUNS = Number(process.env.LATCHKEY_FUZZ_CLI_RUNS ?? 30);

/**
 * The CLI's argument parsers with random arguments: `user create`, `group create`, `client create`,
 * `role create`, `pool rule add`, `attribute declare`. Whatever the arguments, the CLI exits 0 (done),
 * 1 (refused) or 2 (usage), says why on stderr when it refuses, and never prints a stack trace.
 */
describe(`fuzzing the CLI arguments (${currentBackend()})`, () => {
  let database: TestDatabase;
  let env: Record<string, string>;
  const files = mkdtempSync(join(tmpdir(), 'lk-fuzz-'));
  const policyFiles = {
    valid: join(files, 'valid.json'),
    hostile: join(files, 'hostile.json'),
    binary: join(files, 'binary.json'),
  };

  beforeAll(async () => {
    database = await createTestDatabase();
    env = cliEnv(database);
    writeFileSync(policyFiles.valid, JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3:GetObject'], Resource: ['arn:aws:s3:::b/${sub}/*'] }] }));
    writeFileSync(policyFiles.hostile, '{"Version":"2012-10-17","Statement":[{"Effect":"Allow\u0000","Action":"s3:*","Resource":"\u202e${sub}"}]}');
    writeFileSync(policyFiles.binary, Buffer.from([0xff, 0xfe, 0x00, 0x7b, 0xc0, 0x80]));
    expect((await runCli(['migrate'], env)).code).toBe(0);
  });
  afterAll(async () => {
    await database?.drop();
  });

  // argv cannot carry NUL (the OS ends a C string there): every other hostile character can.
  const arg = hostileString.map((s) => s.replace(/\0/g, '')).filter((s) => s.length < 4096);
  const value = fc.oneof(arg, fc.constantFrom('', '-', '--', '-1', '0', '1e999', 'NaN', '0x10', '99999999999999999999', 'string', 'number', 'boolean', 'equals', 'contains'));
  const option = (names: string[]) => fc.tuple(fc.constantFrom(...names), value).map(([name, v]) => [name, v]);
  const flag = (names: string[]) => fc.constantFrom(...names).map((name) => [name]);
  const command = fc.oneof(
    fc.tuple(fc.constant(['user', 'create']), fc.array(fc.oneof(option(['--email', '--password', '--username', '--name', '--given-name', '--family-name', '--group', '--attribute']), flag(['--verified', '--unconfirmed'])), { maxLength: 6 })),
    fc.tuple(fc.constant(['group', 'create']), fc.array(fc.oneof(value.map((v) => [v]), option(['--precedence', '--role', '--description'])), { maxLength: 4 })),
    fc.tuple(fc.constant(['client', 'create']), fc.array(fc.oneof(option(['--name', '--redirect-uri', '--post-logout-redirect-uri', '--grant-types', '--scope']), flag(['--public', '--first-party'])), { maxLength: 6 })),
    fc.tuple(fc.constant(['role', 'create']), fc.array(fc.oneof(value.map((v) => [v]), option(['--max-duration', '--description']), fc.constantFrom(...Object.values(policyFiles), '-', '/nonexistent', files).map((f) => ['--policy', f])), { maxLength: 4 })),
    fc.tuple(fc.constant(['pool', 'rule', 'add']), fc.array(option(['--claim', '--match', '--value', '--role', '--position']), { maxLength: 6 })),
    fc.tuple(fc.constant(['attribute', 'declare']), fc.array(fc.oneof(value.map((v) => [v]), option(['--type', '--min-length', '--max-length', '--min', '--max']), flag(['--required', '--immutable'])), { maxLength: 5 })),
  ).chain(([words, options]) => fc.tuple(fc.boolean(), fc.constant(words), fc.shuffledSubarray(options.flat(), { minLength: options.flat().length })));

  it('exits 0, 1 or 2 with a message and never a stack trace, whatever the arguments', async () => {
    await fc.assert(fc.asyncProperty(command, arg, async ([json, words, args], stdin) => {
      const result = await runCli([...(json ? ['--json'] : []), ...words, ...args], env, stdin);
      const shown = `latchkey ${[...words, ...args].map((a) => JSON.stringify(a.slice(0, 60))).join(' ')} exited ${result.code}:\n${result.stderr.slice(0, 800)}`;
      expect([0, 1, 2], shown).toContain(result.code);
      expect(result.stderr, shown).not.toMatch(/^\s+at /m);
      if (result.code !== 0) expect(result.stderr.trim().length, shown).toBeGreaterThan(0);
    }), { numRuns: CLI_RUNS });
  }, 180_000);
});
