import { describe, expect, it } from 'vitest';
import { isEmailShaped, isValidUsername, normalizeIdentifier } from '../../src/directory/normalize.js';
import { validateCustomAttributes, validateProfile } from '../../src/directory/attributes.js';
import { accountRefusal, userMayAct } from '../../src/directory/account-state.js';
import { createPasswordHasher, OWASP_ARGON2ID } from '../../src/directory/password-hasher.js';
import type { AttributeDefinitionRow } from '../../src/directory/repositories/attribute.repository.js';
import type { UserRow } from '../../src/directory/repositories/user.repository.js';
import { verifiedClaims } from '../../src/directory/verified-claims.js';
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

describe('account state', () => {
  it('lets only an enabled, confirmed, existing user act', () => {
    expect(userMayAct({ enabled: true, status: 'confirmed' })).toBe(true);
    expect(userMayAct({ enabled: false, status: 'confirmed' })).toBe(false);
    expect(userMayAct({ enabled: true, status: 'unconfirmed' })).toBe(false);
    expect(userMayAct({ enabled: true, status: 'reset_required' })).toBe(false);
    expect(userMayAct(undefined)).toBe(false);
    expect(userMayAct(null)).toBe(false);
  });
  it('names the reason, disabled first, and refuses a status this build does not know', () => {
    expect(accountRefusal({ enabled: false, status: 'unconfirmed' })).toBe('disabled');
    expect(accountRefusal({ enabled: true, status: 'reset_required' })).toBe('reset_required');
    expect(accountRefusal({ enabled: true, status: 'force_change_password' })).toBe('unconfirmed');
    expect(accountRefusal({ enabled: true, status: 'confirmed' })).toBeNull();
  });
});

describe('verified claims (what identity-pool rules may match on)', () => {
  const user: UserRow & { groups: string[] } = {
    id: '6a1d3c1e-8f1e-4a57-9a8e-1b2c3d4e5f60', username: 'ann', email: 'ann@corp.example', email_verified: false,
    phone_number: '+15550100', phone_number_verified: false, status: 'confirmed', enabled: true, password_hash: 'x',
    profile: { name: 'Ann' }, custom_attributes: { tier: 'gold' }, created_at: new Date(0), updated_at: new Date(0), last_login_at: null,
    groups: ['staff'],
  };
  it('leaves out an unverified e-mail address and phone number', () => {
    const claims = verifiedClaims(user);
    expect(claims).toEqual({ sub: user.id, groups: ['staff'], preferred_username: 'ann', name: 'Ann', 'custom:tier': 'gold' });
    expect(JSON.stringify(claims)).not.toContain('corp.example');
  });
  it('includes them once verified', () => {
    expect(verifiedClaims({ ...user, email_verified: true, phone_number_verified: true })).toMatchObject({
      email: 'ann@corp.example', email_verified: true, phone_number: '+15550100', phone_number_verified: true,
    });
  });
});
