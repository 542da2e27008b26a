import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/load-config.js';
import { MICROSOFT_CONSUMERS_TENANT } from '../../src/config/federation-config.js';
import { createLogger } from '../../src/lib/logger.js';

const SECRET = 'x'.repeat(32);
const P256_PEM = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const P384_PEM = generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const SEC1_PEM = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'sec1', format: 'pem' }).toString();
const TENANT = '3f2504e0-4f89-11d3-9a0c-0305e82c3301';
const OTHER_TENANT = 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee';

const google = { GOOGLE_CLIENT_ID: 'google-client', GOOGLE_CLIENT_SECRET: 'google-secret-value' };
const microsoft = { MICROSOFT_CLIENT_ID: 'ms-client', MICROSOFT_CLIENT_SECRET: 'ms-secret-value' };
const apple = { APPLE_CLIENT_ID: 'com.example.web', APPLE_TEAM_ID: 'TEAM123456', APPLE_KEY_ID: 'KEY1234567', APPLE_PRIVATE_KEY: P256_PEM };

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return [...(error as ConfigError).problems];
  }
  return expect.unreachable('loadConfig accepted the environment');
}

const dir = mkdtempSync(join(tmpdir(), 'federation-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('federation configuration', () => {
  it('leaves every provider null when none of its variables is set', () => {
    expect(loadConfig({}).federation).toEqual({ google: null, microsoft: null, apple: null });
  });

  it('configures Google with the real issuer by default, lower-cased hosted domains, deep-frozen', () => {
    const config = loadConfig({ ...google, GOOGLE_HOSTED_DOMAINS: 'Example.com, corp.example.org' });
    expect(config.federation.google).toEqual({ clientId: 'google-client', clientSecret: 'google-secret-value', issuer: 'https://accounts.google.com', hostedDomains: ['example.com', 'corp.example.org'] });
    expect(Object.isFrozen(config.federation.google?.hostedDomains)).toBe(true);
    expect(loadConfig({ ...google, GOOGLE_ISSUER: 'http://127.0.0.1:4000' }).federation.google?.issuer).toBe('http://127.0.0.1:4000');
  });

  it('is all-or-nothing per provider, naming every missing variable', () => {
    const problems = problemsOf({ GOOGLE_HOSTED_DOMAINS: 'example.com', MICROSOFT_TENANT: TENANT, APPLE_TEAM_ID: 'TEAM123456' });
    for (const name of ['GOOGLE_CLIENT_ID', 'GOOGLE_CLIENT_SECRET', 'MICROSOFT_CLIENT_ID', 'MICROSOFT_CLIENT_SECRET', 'APPLE_CLIENT_ID', 'APPLE_KEY_ID', 'APPLE_PRIVATE_KEY or APPLE_PRIVATE_KEY_FILE']) {
      expect(problems.some((p) => p.startsWith(`${name}: `))).toBe(true);
    }
  });

  it('lists federation problems together with the other variables’ problems', () => {
    const problems = problemsOf({ PORT: 'abc', GOOGLE_CLIENT_ID: 'only-the-id' });
    expect(problems.some((p) => p.startsWith('PORT'))).toBe(true);
    expect(problems.some((p) => p.startsWith('GOOGLE_CLIENT_SECRET: required'))).toBe(true);
  });

  it('refuses a malformed hosted domain, issuer URL, and an http issuer in production', () => {
    const problems = problemsOf({ ...google, GOOGLE_HOSTED_DOMAINS: 'not a domain', GOOGLE_ISSUER: 'accounts.google.com' });
    expect(problems).toContain('GOOGLE_HOSTED_DOMAINS: "not a domain" is not a domain name');
    expect(problems).toContain('GOOGLE_ISSUER: must be an absolute URL');
    const production = { NODE_ENV: 'production', LATCHKEY_SECRET: SECRET, LATCHKEY_METRICS_PORT: '9464', DATABASE_URL: 'postgres://db/x', LATCHKEY_ISSUER: 'https://id.example.com' };
    expect(problemsOf({ ...production, ...google, GOOGLE_ISSUER: 'http://accounts.example' })).toEqual(['GOOGLE_ISSUER: must be an https URL in production']);
  });

  it('derives the Microsoft authority from the tenant, and a single tenant allows only itself', () => {
    const single = loadConfig({ ...microsoft, MICROSOFT_TENANT: TENANT.toUpperCase() }).federation.microsoft;
    expect(single).toMatchObject({ tenant: TENANT, issuer: `https://login.microsoftonline.com/${TENANT}/v2.0`, allowedTenants: [TENANT] });
    expect(loadConfig({ ...microsoft, MICROSOFT_TENANT: 'consumers' }).federation.microsoft).toMatchObject({ issuer: 'https://login.microsoftonline.com/consumers/v2.0', allowedTenants: [MICROSOFT_CONSUMERS_TENANT] });
    expect(problemsOf({ ...microsoft, MICROSOFT_TENANT: TENANT, MICROSOFT_ALLOWED_TENANTS: `${TENANT},${OTHER_TENANT}` })).toEqual([`MICROSOFT_ALLOWED_TENANTS: with MICROSOFT_TENANT=${TENANT} only that tenant can sign in; remove ${OTHER_TENANT}`]);
    expect(problemsOf({ ...microsoft, MICROSOFT_TENANT: 'contoso' })[0]).toMatch(/^MICROSOFT_TENANT: must be common, organizations, consumers or a tenant ID/);
  });

  it('requires MICROSOFT_ALLOWED_TENANTS for common and organizations, accepting GUIDs or an explicit *', () => {
    expect(problemsOf(microsoft)).toEqual(['MICROSOFT_ALLOWED_TENANTS: required with MICROSOFT_TENANT=common (tenant IDs, or * to accept any tenant)']);
    expect(problemsOf({ ...microsoft, MICROSOFT_TENANT: 'organizations' })[0]).toMatch(/required with MICROSOFT_TENANT=organizations/);
    expect(problemsOf({ ...microsoft, MICROSOFT_ALLOWED_TENANTS: 'contoso.com' })).toEqual(['MICROSOFT_ALLOWED_TENANTS: "contoso.com" is not a tenant ID (a GUID)']);
    expect(loadConfig({ ...microsoft, MICROSOFT_ALLOWED_TENANTS: '*' }).federation.microsoft).toMatchObject({ tenant: 'common', issuer: 'https://login.microsoftonline.com/common/v2.0', allowedTenants: 'any' });
    expect(loadConfig({ ...microsoft, MICROSOFT_TENANT: 'organizations', MICROSOFT_ALLOWED_TENANTS: `${TENANT}, ${OTHER_TENANT.toUpperCase()}` }).federation.microsoft?.allowedTenants).toEqual([TENANT, OTHER_TENANT]);
  });

  it('accepts Apple’s key as PEM text with \\n escapes or as a file, validated at load', () => {
    const escaped = P256_PEM.trim().replace(/\n/g, '\\n');
    const fromText = loadConfig({ ...apple, APPLE_PRIVATE_KEY: escaped }).federation.apple;
    expect(fromText).toEqual({ clientId: 'com.example.web', teamId: 'TEAM123456', keyId: 'KEY1234567', privateKey: P256_PEM, issuer: 'https://appleid.apple.com' });
    const file = join(dir, 'AuthKey.p8');
    writeFileSync(file, P256_PEM);
    const withoutKey = { APPLE_CLIENT_ID: apple.APPLE_CLIENT_ID, APPLE_TEAM_ID: apple.APPLE_TEAM_ID, APPLE_KEY_ID: apple.APPLE_KEY_ID };
    expect(loadConfig({ ...withoutKey, APPLE_PRIVATE_KEY_FILE: file }).federation.apple?.privateKey).toBe(P256_PEM);
    expect(problemsOf({ ...withoutKey, APPLE_PRIVATE_KEY_FILE: join(dir, 'missing.p8') })).toEqual(['APPLE_PRIVATE_KEY_FILE: cannot be read (ENOENT)']);
    expect(problemsOf({ ...apple, APPLE_PRIVATE_KEY_FILE: file })).toEqual(['APPLE_PRIVATE_KEY / APPLE_PRIVATE_KEY_FILE: set only one of them']);
  });

  it('refuses an Apple key that is not an EC P-256 PKCS#8 key, without echoing it', () => {
    expect(problemsOf({ ...apple, APPLE_PRIVATE_KEY: P384_PEM })).toEqual(['APPLE_PRIVATE_KEY: must be an EC P-256 key (Sign in with Apple signs with ES256)']);
    expect(problemsOf({ ...apple, APPLE_PRIVATE_KEY: SEC1_PEM })).toEqual(['APPLE_PRIVATE_KEY: must be the .p8 key as PKCS#8 PEM (-----BEGIN PRIVATE KEY-----)']);
    const garbled = '-----BEGIN PRIVATE KEY-----\nc2VjcmV0LWtleS1ieXRlcw==\n-----END PRIVATE KEY-----';
    const problems = problemsOf({ ...apple, APPLE_PRIVATE_KEY: garbled });
    expect(problems).toEqual(['APPLE_PRIVATE_KEY: is not a readable PEM private key']);
    expect(problems.join()).not.toContain('c2VjcmV0');
    expect(problemsOf({ ...apple, APPLE_TEAM_ID: 'team', APPLE_KEY_ID: 'AuthKey_KEY1234567.p8' })).toEqual([
      'APPLE_TEAM_ID: must be 10 upper-case letters and digits, as Apple shows it',
      'APPLE_KEY_ID: must be 10 upper-case letters and digits, as Apple shows it',
    ]);
  });

  it('never logs client secrets or the Apple key, even when the whole config is logged', () => {
    const config = loadConfig({ ...google, ...microsoft, MICROSOFT_ALLOWED_TENANTS: '*', ...apple });
    let out = '';
    const sink = new Writable({ write(chunk: Buffer, _e, done) { out += chunk.toString(); done(); } });
    const logger = createLogger('info', sink);
    logger.info({ config }, 'a');
    logger.info({ federation: config.federation }, 'b');
    logger.info({ apple: config.federation.apple, google: config.federation.google, microsoft: config.federation.microsoft }, 'c');
    for (const secret of ['google-secret-value', 'ms-secret-value', 'PRIVATE KEY']) expect(out).not.toContain(secret);
    expect(out).toContain('google-client');
  });
});
