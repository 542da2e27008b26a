import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/load-config.js';
import { databaseUnreachable, portInUse, redactedDatabaseUrl } from '../../src/errors/startup-error.js';

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return [...(error as ConfigError).problems];
  }
  throw new Error('loadConfig accepted the environment');
}

describe('configuration messages in plain words', () => {
  it('says which whole numbers a numeric setting takes, whatever is wrong with the value', () => {
    for (const value of ['seventy', '1.5', '0', '70000']) expect(problemsOf({ PORT: value })).toEqual(['PORT: must be a whole number from 1 to 65535']);
    expect(problemsOf({ LATCHKEY_ACCESS_TOKEN_TTL: '2' })).toEqual(['LATCHKEY_ACCESS_TOKEN_TTL: must be a whole number from 5 to 86400 (seconds)']);
    expect(problemsOf({ LATCHKEY_METRICS_PORT: '-1' })).toEqual(['LATCHKEY_METRICS_PORT: must be a whole number from 0 to 65535 (0: any free port)']);
  });

  it('lists the accepted words for switches and levels, and lengths for text', () => {
    expect(problemsOf({ LATCHKEY_TRUST_PROXY: 'maybe' })).toEqual(['LATCHKEY_TRUST_PROXY: must be true or false (1/0 and yes/no also work)']);
    expect(problemsOf({ LOG_LEVEL: 'loud' })).toEqual(['LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent']);
    expect(problemsOf({ LATCHKEY_PRODUCT_NAME: 'x'.repeat(65) })).toEqual(['LATCHKEY_PRODUCT_NAME: must be at most 64 characters']);
  });

  it('keeps parser jargon out of every message', () => {
    const problems = problemsOf({ PORT: 'x', LATCHKEY_PROXY_HOPS: 'y', LOG_LEVEL: 'z', LATCHKEY_TRUST_PROXY: 'w', LATCHKEY_STS_RATE_LIMIT: '0', S3_STS_ACCESS_KEY: 'k' });
    expect(problems).toHaveLength(6);
    for (const problem of problems) expect(problem).not.toMatch(/Invalid input|expected|received|NaN|Too (small|big)/);
  });

  it('names DATABASE_URL when the database cannot be reached, without its password, and PORT when the port is taken', () => {
    const refused = databaseUnreachable('postgres://app:s3cret@db.internal:5433/latchkey', Object.assign(new Error('connect ECONNREFUSED 10.0.0.5:5433'), { code: 'ECONNREFUSED' }));
    expect(refused.setting).toBe('DATABASE_URL');
    expect(refused.message).toBe('cannot connect to the database at DATABASE_URL (postgres://app:***@db.internal:5433/latchkey): connect ECONNREFUSED 10.0.0.5:5433; check DATABASE_URL and that Postgres is running and reachable from here');
    expect(databaseUnreachable('postgres://db/x', Object.assign(new Error('password authentication failed'), { code: '28P01' })).message).toContain('check the user and password in DATABASE_URL');
    expect(databaseUnreachable('postgres://localhost/x', Object.assign(new AggregateError([new Error('connect ECONNREFUSED ::1:5432')], ''), { code: 'ECONNREFUSED' })).message).toContain('connect ECONNREFUSED ::1:5432');
    expect(redactedDatabaseUrl('postgres://u@h/d')).toBe('postgres://u@h/d');
    const taken = portInUse('PORT', '0.0.0.0', 3000, Object.assign(new Error('listen EADDRINUSE'), { code: 'EADDRINUSE' }));
    expect(taken.message).toBe('PORT 3000 on 0.0.0.0 is already in use by another program; stop that program or choose another PORT');
  });
});
