import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/load-config.js';

/** The project's own data folder: the default, wherever a command runs from. */
const PROJECT_DATA_DIR = join(resolve(fileURLToPath(import.meta.url), '../../..'), 'data');

const SECRET = 'x'.repeat(32);

describe('loadConfig', () => {
  it('applies documented defaults for the embedded database', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ port: 3000, issuer: 'http://localhost:3000', databaseUrl: null, dataDir: PROJECT_DATA_DIR, secrets: null, accessTokenTtl: 3600 });
    expect(Object.isFrozen(config)).toBe(true);
    expect(() => { (config as { port: number }).port = 1; }).toThrow();
  });

  it('lists every problem at once, each naming its variable', () => {
    try {
      loadConfig({ PORT: 'abc', LATCHKEY_ISSUER: 'ftp://x', DATABASE_URL: 'mysql://db', LOG_LEVEL: 'loud' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const text = (error as ConfigError).problems.join('\n');
      for (const name of ['PORT', 'LATCHKEY_ISSUER', 'DATABASE_URL', 'LOG_LEVEL']) expect(text).toContain(name);
    }
  });

  it('requires a shared secret in production and with an external database', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/LATCHKEY_SECRET: required when NODE_ENV=production/);
    expect(() => loadConfig({ DATABASE_URL: 'postgres://db/x' })).toThrow(/LATCHKEY_SECRET: required when DATABASE_URL/);
    expect(() => loadConfig({ LATCHKEY_SECRET: 'short' })).toThrow(/at least 32 characters/);
  });

  it('splits secret lists for rotation and strips a trailing slash from the issuer', () => {
    const config = loadConfig({ LATCHKEY_SECRET: ` ${SECRET}1 , ${SECRET}2 `, LATCHKEY_ISSUER: 'https://id.example.com/', DATABASE_URL: 'postgres://db/x' });
    expect(config.secrets).toEqual([`${SECRET}1`, `${SECRET}2`]);
    expect(config.issuer).toBe('https://id.example.com');
  });

  it('validates the operational settings added for proxies, metrics and the identity pool', () => {
    expect(() => loadConfig({ LATCHKEY_METRICS_TOKEN: 'short' })).toThrow(/LATCHKEY_METRICS_TOKEN: must be at least 16/);
    expect(() => loadConfig({ LATCHKEY_PROXY_HOPS: '0' })).toThrow(/LATCHKEY_PROXY_HOPS/);
    expect(() => loadConfig({ S3_ENDPOINT: 'http://minio:9000' })).toThrow(/S3_STS_ACCESS_KEY: required[\s\S]*S3_STS_SECRET_KEY: required/);
    expect(loadConfig({}).s3).toBeNull();
    expect(loadConfig({ S3_ENDPOINT: 'http://minio:9000/', S3_STS_ACCESS_KEY: 'broker', S3_STS_SECRET_KEY: 'secret-key' }).s3).toEqual({ endpoint: 'http://minio:9000', region: 'us-east-1', accessKey: 'broker', secretKey: 'secret-key' });
  });

  it('prepares statements unless LATCHKEY_DB_PREPARED_STATEMENTS turns it off, and names a bad value', () => {
    expect(loadConfig({}).dbPreparedStatements).toBe(true);
    expect(loadConfig({ LATCHKEY_DB_PREPARED_STATEMENTS: 'false' }).dbPreparedStatements).toBe(false);
    expect(() => loadConfig({ LATCHKEY_DB_PREPARED_STATEMENTS: 'sometimes' })).toThrow(/LATCHKEY_DB_PREPARED_STATEMENTS: must be true or false/);
  });

  it('requires a metrics token or a metrics port in production, naming both variables', () => {
    const production = { NODE_ENV: 'production', LATCHKEY_SECRET: SECRET, DATABASE_URL: 'postgres://db/x', LATCHKEY_ISSUER: 'https://id.example.com' };
    expect(() => loadConfig(production)).toThrow(/LATCHKEY_METRICS_TOKEN or LATCHKEY_METRICS_PORT: one is required when NODE_ENV=production/);
    expect(loadConfig({ ...production, LATCHKEY_METRICS_TOKEN: 'scrape-token-0123456789' })).toMatchObject({ metricsToken: 'scrape-token-0123456789', metricsPort: null });
    expect(loadConfig({ ...production, LATCHKEY_METRICS_PORT: '9464' })).toMatchObject({ metricsToken: null, metricsPort: 9464, metricsHost: '127.0.0.1' });
    expect(loadConfig({ ...production, LATCHKEY_METRICS_PORT: '9464', LATCHKEY_METRICS_HOST: '0.0.0.0' }).metricsHost).toBe('0.0.0.0');
    // Outside production /metrics may stay open on the main port, as in development.
    expect(loadConfig({})).toMatchObject({ metricsToken: null, metricsPort: null });
  });

  it('refuses a metrics port equal to PORT, out of range, or a metrics host without a port', () => {
    expect(() => loadConfig({ PORT: '3000', LATCHKEY_METRICS_PORT: '3000' })).toThrow(/LATCHKEY_METRICS_PORT: must differ from PORT/);
    expect(() => loadConfig({ LATCHKEY_METRICS_PORT: '70000' })).toThrow(/LATCHKEY_METRICS_PORT/);
    expect(() => loadConfig({ LATCHKEY_METRICS_HOST: '0.0.0.0' })).toThrow(/LATCHKEY_METRICS_HOST: only applies with LATCHKEY_METRICS_PORT/);
  });

  it('treats blank variables as unset and validates extra audiences', () => {
    expect(loadConfig({ PORT: '', DATABASE_URL: '  ' }).port).toBe(3000);
    expect(loadConfig({ LATCHKEY_API_AUDIENCES: 'https://api.example.com, urn:latchkey:storage' }).apiAudiences).toEqual(['https://api.example.com', 'urn:latchkey:storage']);
    expect(() => loadConfig({ LATCHKEY_API_AUDIENCES: 'not a uri' })).toThrow(/LATCHKEY_API_AUDIENCES/);
  });
});
