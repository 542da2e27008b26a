import { describe, expect, it } from 'vitest';
import { isEmailShaped, isValidUsername, normalizeIdentifier } from '../../src/directory/normalize.js';
import { validateCustomAttributes, validateProfile } from '../../src/directory/attributes.js';
import { checkPassword } from '../../src/directory/password-policy.js';
import { createPasswordHasher, OWASP_ARGON2ID } from '../../src/directory/password-hasher.js';
import type { AttributeDefinitionRow } from '../../src/directory/repositories/attribute.repository.js';
import { argon2Parameters } from '../support/fixtures.js';

describe('identifier normalisation', () => {
  it('folds case and Unicode compatibility forms', () => {
    expect(normalizeIdentifier('  Bob@Example.COM ')).toBe('bob@example.com');
    expect(normalizeIdentifier('ａｌｉｃｅ')).toBe('alice'); // full-width
    expect(normalizeIdentifier('ﬁona')).toBe('fiona'); // ligature
  });
  it('tells usernames from e-mail addresses', () => {
    expect(isEmailShaped('a@b.co')).toBe(true);
    expect(isEmailShaped('a@b')).toBe(false);
    expect(isEmailShaped('a b@c.de')).toBe(false);
    expect(isValidUsername('jürgen.m-1')).toBe(true);
    expect(isValidUsername("x' OR 1=1")).toBe(false);
    expect(isValidUsername('')).toBe(false);
  });
});

describe('attributes', () => {
  const defs: AttributeDefinitionRow[] = [
    { name: 'tier', type: 'string', required: true, mutable: true, min_length: 1, max_length: 10, min_value: null, max_value: null },
    { name: 'seats', type: 'number', required: false, mutable: true, min_length: null, max_length: null, min_value: 1, max_value: 100 },
    { name: 'beta', type: 'boolean', required: false, mutable: true, min_length: null, max_length: null, min_value: null, max_value: null },
  ];
  it('accepts declared attributes, coercing form strings', () => {
    expect(validateCustomAttributes(defs, { 'custom:tier': 'gold', seats: '5', beta: 'true' }, { creating: true })).toEqual({ tier: 'gold', seats: 5, beta: true });
  });
  it('refuses undeclared, mistyped, out-of-range and missing required attributes', () => {
    expect(() => validateCustomAttributes(defs, { tier: 'gold', plan: 'x' }, { creating: true })).toThrow(/invalid custom attributes/);
    expect(() => validateCustomAttributes(defs, { tier: 'gold', seats: '500' }, { creating: true })).toThrow();
    expect(() => validateCustomAttributes(defs, { tier: 'gold', beta: 'maybe' }, { creating: true })).toThrow();
    expect(() => validateCustomAttributes(defs, {}, { creating: true })).toThrow();
    expect(validateCustomAttributes(defs, {}, { creating: false })).toEqual({});
  });
  it('keeps only standard profile claims', () => {
    expect(validateProfile({ name: ' Ann ', given_name: '' })).toEqual({ name: 'Ann' });
    expect(() => validateProfile({ is_admin: 'true' })).toThrow(/invalid profile/);
    expect(() => validateProfile({ name: 'x'.repeat(5000) })).toThrow();
  });
});

describe('passwords', () => {
  it('enforces length bounds', () => {
    expect(() => checkPassword('short')).toThrow(/at least 8/);
    expect(() => checkPassword('x'.repeat(2000))).toThrow(/at most/);
    expect(() => checkPassword('long enough')).not.toThrow();
  });
  it('hashes with argon2id at OWASP parameters and flags weaker hashes for rehash', async () => {
    const hasher = createPasswordHasher();
    const hash = await hasher.hash('secret password');
    expect(argon2Parameters(hash)).toEqual({ type: 'argon2id', params: { m: '19456', t: '2', p: '1' } });
    expect(await hasher.verify(hash, 'secret password')).toEqual({ valid: true, needsRehash: false });
    expect(await hasher.verify(hash, 'wrong')).toEqual({ valid: false, needsRehash: false });
    expect(await hasher.verify('not a hash', 'x')).toEqual({ valid: false, needsRehash: false });
    const weak = await createPasswordHasher({ ...OWASP_ARGON2ID, memoryCost: 4096 }).hash('secret password');
    expect(await hasher.verify(weak, 'secret password')).toEqual({ valid: true, needsRehash: true });
  });
});
