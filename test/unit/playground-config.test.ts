import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/load-config.js';

const SECRET = 'unit-secret-0123456789abcdef0123456789abcdef';
const PRODUCTION = { NODE_ENV: 'production', DATABASE_URL: 'postgres://db/x', LATCHKEY_SECRET: SECRET, LATCHKEY_METRICS_TOKEN: 'a-metrics-token-of-length', LATCHKEY_ISSUER: 'https://id.example.com' };

describe('LATCHKEY_PLAYGROUND', () => {
  it('is on by default outside production and off by default in production', () => {
    expect(loadConfig({}).playground).toBe(true);
    expect(loadConfig(PRODUCTION).playground).toBe(false);
  });

  it('overrides the default either way', () => {
    expect(loadConfig({ ...PRODUCTION, LATCHKEY_PLAYGROUND: 'on' }).playground).toBe(true);
    expect(loadConfig({ LATCHKEY_PLAYGROUND: 'off' }).playground).toBe(false);
  });

  it('refuses any other value with a message naming the variable', () => {
    expect(() => loadConfig({ LATCHKEY_PLAYGROUND: 'yes' })).toThrow(ConfigError);
    expect(() => loadConfig({ LATCHKEY_PLAYGROUND: 'yes' })).toThrow(/LATCHKEY_PLAYGROUND/);
  });
});
