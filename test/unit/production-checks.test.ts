import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { configProblems } from '../support/config-problems.js';
import { isDevelopmentSecret } from '../../src/config/production-checks.js';

const SECRET = 'k'.repeat(48);
/** Settings production accepts: every other case changes one of them. */
const PRODUCTION = {
  NODE_ENV: 'production', DATABASE_URL: 'postgres://latchkey@db.internal/latchkey', LATCHKEY_SECRET: SECRET,
  LATCHKEY_ISSUER: 'https://id.example.com', LATCHKEY_METRICS_TOKEN: 'scrape-token-0123456789',
};

const problemsOf = configProblems;

describe('production start-up checks', () => {
  it('accepts a production configuration, with proxy headers untrusted unless LATCHKEY_TRUST_PROXY says so', () => {
    expect(problemsOf(PRODUCTION)).toEqual([]);
    expect(loadConfig(PRODUCTION)).toMatchObject({ production: true, trustProxy: false, issuer: 'https://id.example.com' });
    expect(loadConfig({ ...PRODUCTION, LATCHKEY_TRUST_PROXY: 'true' }).trustProxy).toBe(true);
  });

  it('refuses the embedded database, naming DATABASE_URL', () => {
    expect(problemsOf({ ...PRODUCTION, DATABASE_URL: undefined })).toEqual([expect.stringMatching(/^DATABASE_URL: required when NODE_ENV=production/)]);
  });

  it('refuses a missing LATCHKEY_SECRET', () => {
    expect(problemsOf({ ...PRODUCTION, LATCHKEY_SECRET: undefined })).toEqual(['LATCHKEY_SECRET: required when NODE_ENV=production']);
  });

  it('refuses a development secret, first in the list or kept for verifying, and one too short', () => {
    const generated = `dev-${'a'.repeat(44)}`;
    for (const secrets of [generated, `${SECRET},${generated}`]) {
      expect(problemsOf({ ...PRODUCTION, LATCHKEY_SECRET: secrets })).toEqual([expect.stringMatching(/^LATCHKEY_SECRET: a development secret \(starting with "dev-"/)]);
    }
    const short = problemsOf({ ...PRODUCTION, LATCHKEY_SECRET: 'short-but-not-dev' });
    expect(short).toContain('LATCHKEY_SECRET: every secret must be at least 32 characters');
    expect(short.every((problem) => problem.startsWith('LATCHKEY_SECRET: '))).toBe(true);
    expect([generated, 'x'.repeat(31)].map(isDevelopmentSecret)).toEqual([true, true]);
    expect(isDevelopmentSecret(SECRET)).toBe(false);
  });

  it('refuses an http issuer, and an unset one, unless LATCHKEY_ALLOW_HTTP_ISSUER=true', () => {
    expect(problemsOf({ ...PRODUCTION, LATCHKEY_ISSUER: 'http://id.example.com' })).toEqual([expect.stringMatching(/^LATCHKEY_ISSUER: must be https when NODE_ENV=production/)]);
    expect(problemsOf({ ...PRODUCTION, LATCHKEY_ISSUER: undefined })).toEqual([expect.stringMatching(/^LATCHKEY_ISSUER: required when NODE_ENV=production/)]);
    expect(loadConfig({ ...PRODUCTION, LATCHKEY_ISSUER: 'http://id.internal:3000', LATCHKEY_ALLOW_HTTP_ISSUER: 'true' }).issuer).toBe('http://id.internal:3000');
    expect(problemsOf({ ...PRODUCTION, LATCHKEY_ALLOW_HTTP_ISSUER: 'maybe' })).toEqual([expect.stringMatching(/^LATCHKEY_ALLOW_HTTP_ISSUER: must be true or false/)]);
  });

  it('refuses an open /metrics', () => {
    expect(problemsOf({ ...PRODUCTION, LATCHKEY_METRICS_TOKEN: undefined })).toEqual([expect.stringMatching(/^LATCHKEY_METRICS_TOKEN or LATCHKEY_METRICS_PORT: one is required/)]);
  });

  it('lists every refusal at once, and applies none of them outside production', () => {
    const development = { LATCHKEY_SECRET: `dev-${'a'.repeat(44)}`, LATCHKEY_ISSUER: 'http://localhost:3000' };
    expect(problemsOf({ ...development, NODE_ENV: 'production' }).map((problem) => problem.split(':')[0])).toEqual([
      'LATCHKEY_METRICS_TOKEN or LATCHKEY_METRICS_PORT', 'DATABASE_URL', 'LATCHKEY_SECRET', 'LATCHKEY_ISSUER',
    ]);
    expect(problemsOf(development)).toEqual([]);
    expect(problemsOf({ ...development, NODE_ENV: 'development' })).toEqual([]);
  });
});
