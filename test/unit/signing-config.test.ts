import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { configProblems } from '../support/config-problems.js';
import { jwksMaxAgeSeconds } from '../../src/http/public-caching.js';

const problemsOf = configProblems;

describe('signing key settings', () => {
  it('defaults to RS256, a 90-day rotation and a day of publishing ahead', () => {
    expect(loadConfig({}).signing).toEqual({ algorithms: ['RS256'], rotationDays: 90, publishAheadSeconds: 86_400 });
  });

  it('reads the algorithms in order (the first is the default) and 0 as no scheduled rotation', () => {
    const { signing } = loadConfig({ LATCHKEY_SIGNING_ALGS: ' ES256, EdDSA ,RS256', LATCHKEY_KEY_ROTATION_DAYS: '0', LATCHKEY_KEY_PUBLISH_AHEAD_SECONDS: '7200' });
    expect(signing).toEqual({ algorithms: ['ES256', 'EdDSA', 'RS256'], rotationDays: 0, publishAheadSeconds: 7200 });
  });

  it('refuses an unknown or repeated algorithm and bad rotation numbers, naming the variable', () => {
    expect(problemsOf({ LATCHKEY_SIGNING_ALGS: 'RS256,HS256' })).toEqual(['LATCHKEY_SIGNING_ALGS: "HS256" is not one of RS256, ES256, EdDSA']);
    expect(problemsOf({ LATCHKEY_SIGNING_ALGS: 'ES256,ES256' })).toEqual(['LATCHKEY_SIGNING_ALGS: "ES256" is listed twice']);
    expect(problemsOf({ LATCHKEY_SIGNING_ALGS: ',' })).toEqual(['LATCHKEY_SIGNING_ALGS: must name at least one algorithm']);
    expect(problemsOf({ LATCHKEY_KEY_ROTATION_DAYS: '-1' })).toEqual(['LATCHKEY_KEY_ROTATION_DAYS: must be a whole number from 0 to 3650 (days; 0: no scheduled rotation)']);
    expect(problemsOf({ LATCHKEY_KEY_PUBLISH_AHEAD_SECONDS: '1.5' })[0]).toMatch(/^LATCHKEY_KEY_PUBLISH_AHEAD_SECONDS: must be a whole number/);
  });

  it('refuses a publish-ahead window that replicas could miss or that outlasts the rotation period', () => {
    expect(problemsOf({ LATCHKEY_KEY_PUBLISH_AHEAD_SECONDS: '100', LATCHKEY_KEY_REFRESH_SECONDS: '60' })).toEqual([
      'LATCHKEY_KEY_PUBLISH_AHEAD_SECONDS: must be more than twice LATCHKEY_KEY_REFRESH_SECONDS (every replica must publish a key before any signs with it)',
    ]);
    expect(problemsOf({ LATCHKEY_KEY_ROTATION_DAYS: '1', LATCHKEY_KEY_PUBLISH_AHEAD_SECONDS: '86400' })).toEqual(['LATCHKEY_KEY_PUBLISH_AHEAD_SECONDS: must be shorter than LATCHKEY_KEY_ROTATION_DAYS']);
  });

  it('keeps the JWKS max-age short enough that a cache sees a staged key before it signs', () => {
    expect(jwksMaxAgeSeconds(86_400, 30)).toBe(60);
    for (const [publishAhead, refresh] of [[60, 1], [61, 30], [300, 120], [86_400, 3600]] as const) {
      const maxAge = jwksMaxAgeSeconds(publishAhead, refresh);
      expect(maxAge).toBeGreaterThan(0);
      expect(maxAge + refresh).toBeLessThan(publishAhead);
    }
  });
});
