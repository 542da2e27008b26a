import { describe, expect, it } from 'vitest';
import { createPasswordPolicySource } from '../../src/directory/password-policy-source.js';

describe('the pool\'s password policy source', () => {
  it('reads the stored options at most once per interval, and follows a change after it', async () => {
    let stored: Record<string, unknown> = { minLength: 20 };
    let loads = 0;
    let time = 0;
    const source = createPasswordPolicySource({ load: () => { loads += 1; return Promise.resolve(stored); }, ttlMs: 5000, now: () => time });
    expect((await source.current()).options.minLength).toBe(20);
    stored = { minLength: 12 };
    time = 4999;
    expect((await source.current()).options.minLength).toBe(20);
    expect(loads).toBe(1);
    time = 5000;
    expect((await source.current()).options.minLength).toBe(12);
    expect(loads).toBe(2);
  });

  it('falls back to the documented defaults when the stored options do not build a policy', async () => {
    const source = createPasswordPolicySource({ load: () => Promise.resolve({ minLength: 'eight', shoeSize: 44 }) });
    expect((await source.current()).options.minLength).toBe(15);
  });
});
