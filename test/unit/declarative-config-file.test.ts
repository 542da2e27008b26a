import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ConfigError, loadConfig } from '../../src/config/load-config.js';
import { ConfigFileError } from '../../src/declarative/config-file-error.js';
import { configJsonSchema, configJsonSchemaText, CONFIG_SCHEMA_PATH } from '../../src/declarative/config-json-schema.js';
import { formatConfigPath } from '../../src/declarative/config-path.js';
import { parseConfigText, readConfigFile } from '../../src/declarative/read-config-file.js';
import { resolveConfig } from '../../src/declarative/resolve-config.js';
import { ROOT } from '../support/processes.js';

/** The problems a ConfigFileError lists, as `path: message` lines. */
function problemsOf(work: () => unknown): string[] {
  try {
    work();
  } catch (error) {
    if (error instanceof ConfigFileError) return error.problems.map((p) => `${p.path}: ${p.message}`);
    throw error;
  }
  throw new Error('expected a ConfigFileError');
}

const POLICY = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3:GetObject'], Resource: ['arn:aws:s3:::docs/${sub}/*'] }] };

describe('declarative configuration files', () => {
  it('commits the JSON Schema generated from the zod schema (regenerate: latchkey config schema > resources/latchkey-config.schema.json)', () => {
    expect(readFileSync(join(ROOT, CONFIG_SCHEMA_PATH), 'utf8')).toBe(configJsonSchemaText());
  });

  it('accepts the demo stack\'s file, by Latchkey\'s own checks and by the published JSON Schema', () => {
    const text = readFileSync(join(ROOT, 'deploy/demo/latchkey.yaml'), 'utf8');
    expect(text.startsWith('# yaml-language-server: $schema=')).toBe(true);
    const document = parseConfigText(text, 'latchkey.yaml');
    expect(Object.keys(document.clients ?? {})).toEqual(['demo']);
    expect(document.groups).toEqual({
      free: { description: expect.any(String), precedence: 20, role: 'media-free' },
      premium: { description: expect.any(String), precedence: 10, role: 'media-premium' },
    });
    const ajv = new Ajv2020({ strict: false });
    (addFormats as unknown as (a: Ajv2020) => void)(ajv);
    const validate = ajv.compile(configJsonSchema());
    expect(validate(parse(text)), JSON.stringify(validate.errors)).toBe(true);
  });

  it('lists every problem at once, each at its place in the file', () => {
    const problems = problemsOf(() => parseConfigText(JSON.stringify({
      clients: {
        web: { name: 'Web', secret: { env: 'WEB_SECRET' }, redirectUris: ['https://ok.example/cb', 'ftp://bad.example/cb'], scope: 'profile' },
        'latchkey-mine': { name: 'Mine', public: true, redirectUris: ['http://localhost/cb'] },
        '-generated_Id.1~': { name: 'Registered with a generated id', public: true, redirectUris: ['http://localhost/cb'] },
        'a/b': { name: 'Slash', public: true, redirectUris: ['http://localhost/cb'] },
      },
      groups: { 'bad name': { precedence: -1 } },
      roles: { reader: { description: 'no policy' } },
      attributes: { tier: { type: 'number', minLength: 3 } },
      users: [{ email: 'a@example.com' }, { email: 'A@example.com' }, { email: 'not an address' }],
      unknownSection: {},
    }), 'bad.json'));
    expect(problems).toEqual(expect.arrayContaining([
      expect.stringMatching(/^clients\.web\.redirectUris\[1\]: "ftp:\/\/bad.example\/cb" must be https/),
      expect.stringMatching(/^clients\.web\.scope: must include openid/),
      expect.stringMatching(/^clients\.latchkey-mine: the latchkey- prefix is reserved/),
      'clients["a/b"]: letters, digits and . _ ~ - (1-128)',
      expect.stringMatching(/^groups\["bad name"\]: a group name/),
      expect.stringMatching(/^groups\["bad name"\]\.precedence: /),
      'roles.reader.policy: give either policy or policyFile',
      'attributes.tier.minLength: only for strings',
      'users[1].email: the same email as users[0]',
      expect.stringMatching(/^users\[2\]\.email: /),
      expect.stringMatching(/^\(file\): Unrecognized key: "unknownSection"/),
    ]));
    expect(problems).toHaveLength(11);
  });

  it('refuses a secret written in the file, saying to use an environment variable reference', () => {
    const problems = problemsOf(() => parseConfigText([
      'clients:',
      '  api:',
      '    name: API',
      '    grantTypes: [client_credentials]',
      '    scope: api',
      '    secret: s3cr3t-in-the-file',
      'providers:',
      '  corp:',
      '    issuer: https://idp.example',
      '    clientId: latchkey',
      '    clientSecret: another-literal',
      'users:',
      '  - email: a@example.com',
      '    password: hunter2hunter2hunter2',
    ].join('\n'), 'literal.yaml'));
    const message = 'a secret is never written in the file: use { env: NAME } to read it from that environment variable';
    expect(problems).toEqual([`clients.api.secret: ${message}`, `providers.corp.clientSecret: ${message}`, `users[0].password: ${message}`]);
  });

  it('names a YAML syntax error or a repeated key by line and column', () => {
    expect(problemsOf(() => parseConfigText('groups:\n  free: {precedence: 1}\n  free: {precedence: 2}\n', 'dup.yaml'))).toEqual([expect.stringMatching(/^line 3, column 3: Map keys must be unique/)]);
    expect(problemsOf(() => parseConfigText('groups: [unclosed\n', 'broken.yaml'))[0]).toMatch(/^line \d+, column \d+: /);
  });

  it('resolves secrets from the environment and names each missing variable with its place', () => {
    const document = parseConfigText(JSON.stringify({
      clients: { api: { name: 'API', grantTypes: ['client_credentials'], scope: 'api', secret: { env: 'API_SECRET' } }, short: { name: 'S', grantTypes: ['client_credentials'], scope: 'api', secret: { env: 'SHORT_SECRET' } } },
      providers: { corp: { issuer: 'https://idp.example', clientId: 'latchkey', clientSecret: { env: 'CORP_SECRET' } } },
      users: [{ email: 'a@example.com', password: { env: 'A_PASSWORD' } }],
    }), 'env.json');
    expect(problemsOf(() => resolveConfig(document, 'env.json', { env: { SHORT_SECRET: 'too short' } }))).toEqual([
      'clients.api.secret: the environment variable API_SECRET is not set',
      'clients.short.secret: the value of SHORT_SECRET must be 32 to 512 characters',
      'providers.corp.clientSecret: the environment variable CORP_SECRET is not set',
      'users[0].password: the environment variable A_PASSWORD is not set',
    ]);
    const resolved = resolveConfig(document, 'env.json', { env: { API_SECRET: 'a'.repeat(40), SHORT_SECRET: 'b'.repeat(32), CORP_SECRET: 'corp', A_PASSWORD: 'a long enough password' } });
    expect(resolved.clients?.api?.secret).toBe('a'.repeat(40));
    expect(resolved.providers?.corp).toMatchObject({ clientSecret: 'corp', displayName: 'corp', scope: 'openid email profile', groupRules: [] });
    expect(resolved.users?.[0]?.password).toBe('a long enough password');
  });

  it('reads a policy file relative to the configuration file and checks every policy as role create does', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lk-config-'));
    writeFileSync(join(dir, 'reader.json'), JSON.stringify(POLICY));
    writeFileSync(join(dir, 'broken.json'), '{ not json');
    const file = join(dir, 'latchkey.yaml');
    writeFileSync(file, [
      'roles:',
      '  reader: { policyFile: reader.json }',
      '  broken: { policyFile: broken.json }',
      '  missing: { policyFile: missing.json }',
      '  wrong:',
      '    policy: { Version: "2008-10-17", Statement: [{ Effect: Maybe, Action: "s3:*", Resource: "*" }] }',
    ].join('\n'));
    const { document, digest } = readConfigFile(file);
    expect(digest).toMatch(/^[0-9a-f]{64}$/);
    expect(problemsOf(() => resolveConfig(document, file, { env: {} }))).toEqual([
      'roles.broken.policyFile: broken.json is not JSON',
      'roles.missing.policyFile: missing.json cannot be read',
      'roles.wrong.policy: Version: must be "2012-10-17"',
      'roles.wrong.policy: Statement[0].Effect: must be Allow or Deny',
    ]);
    writeFileSync(file, 'roles:\n  reader: { policyFile: reader.json, maxDurationSeconds: 900 }\n');
    expect(resolveConfig(readConfigFile(file).document, file, { env: {} }).roles).toEqual({ reader: { description: '', maxDurationSeconds: 900, policy: POLICY } });
  });

  it('takes LATCHKEY_CONFIG as an absolute path to a file that exists, and refuses one that does not', () => {
    expect(loadConfig({}).configFile).toBeNull();
    expect(loadConfig({ LATCHKEY_CONFIG: 'deploy/demo/latchkey.yaml' }).configFile).toBe(join(process.cwd(), 'deploy/demo/latchkey.yaml'));
    expect(() => loadConfig({ LATCHKEY_CONFIG: join(tmpdir(), 'no-such-latchkey.yaml') })).toThrow(ConfigError);
    expect(() => loadConfig({ LATCHKEY_CONFIG: tmpdir() })).toThrow(/LATCHKEY_CONFIG: .* is not a file/);
  });

  it('formats places as people read them', () => {
    expect(formatConfigPath(['clients', 'web', 'redirectUris', 0])).toBe('clients.web.redirectUris[0]');
    expect(formatConfigPath(['clients', 'my.app', 'name'])).toBe('clients["my.app"].name');
    expect(formatConfigPath(['roles', 'media-free'])).toBe('roles.media-free');
    expect(formatConfigPath([])).toBe('(file)');
  });
});
