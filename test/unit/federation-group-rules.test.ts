import { describe, expect, it } from 'vitest';
import { CLAIM_NAME, claimDeferred, claimMatches } from '../../src/federation/group-rule-match.js';

const ENTRA_GROUP = '5b4f8a1e-2d3c-4b6a-9e8f-0a1b2c3d4e5f';

describe('group rule matching', () => {
  it('matches a string claim only when it equals the value exactly (Google hd)', () => {
    expect(claimMatches({ hd: 'example.com' }, 'hd', 'example.com')).toBe(true);
    expect(claimMatches({ hd: 'Example.com' }, 'hd', 'example.com')).toBe(false);
    expect(claimMatches({ hd: 'example.com.evil' }, 'hd', 'example.com')).toBe(false);
    expect(claimMatches({ hd: 'sub.example.com' }, 'hd', 'example.com')).toBe(false);
  });

  it('matches an array claim holding the value (Entra groups), and not one without it', () => {
    expect(claimMatches({ groups: ['other', ENTRA_GROUP] }, 'groups', ENTRA_GROUP)).toBe(true);
    expect(claimMatches({ groups: ['other'] }, 'groups', ENTRA_GROUP)).toBe(false);
    expect(claimMatches({ groups: [] }, 'groups', ENTRA_GROUP)).toBe(false);
    // Only one level: an array nested in the array is not searched.
    expect(claimMatches({ groups: [[ENTRA_GROUP]] }, 'groups', ENTRA_GROUP)).toBe(false);
  });

  it('matches booleans and numbers by their text form, in scalars and in arrays', () => {
    expect(claimMatches({ email_verified: true }, 'email_verified', 'true')).toBe(true);
    expect(claimMatches({ email_verified: false }, 'email_verified', 'true')).toBe(false);
    expect(claimMatches({ level: 42 }, 'level', '42')).toBe(true);
    expect(claimMatches({ levels: [1, 42] }, 'levels', '42')).toBe(true);
    expect(claimMatches({ level: Number.NaN }, 'level', 'NaN')).toBe(false);
  });

  it('never matches an absent claim, an object, null, or a name inherited from Object.prototype', () => {
    expect(claimMatches({}, 'groups', ENTRA_GROUP)).toBe(false);
    expect(claimMatches({ groups: null }, 'groups', 'null')).toBe(false);
    expect(claimMatches({ groups: { id: ENTRA_GROUP } }, 'groups', '[object Object]')).toBe(false);
    expect(claimMatches({}, 'constructor', 'function Object() { [native code] }')).toBe(false);
    expect(claimMatches({}, '__proto__', '[object Object]')).toBe(false);
  });

  it('accepts the claim names upstreams use and refuses anything else', () => {
    for (const name of ['groups', 'hd', 'roles', 'cognito:groups', 'custom:dept', 'https://example.com/claims/groups', '_internal']) {
      expect(CLAIM_NAME.test(name), name).toBe(true);
    }
    for (const name of ['', ' groups', 'groups ', 'a b', '1abc', 'x'.repeat(129), 'group$', 'a\nb']) {
      expect(CLAIM_NAME.test(name), name).toBe(false);
    }
  });
});

describe('deferred claims', () => {
  it('recognises a claim the token defers to another source (Entra group overage), and no other', () => {
    const overage = { _claim_names: { groups: 'src1' }, _claim_sources: { src1: { endpoint: 'https://graph.microsoft.com/v1.0/users/x/getMemberObjects' } } };
    expect(claimDeferred(overage, 'groups')).toBe(true);
    expect(claimDeferred(overage, 'roles')).toBe(false);
    expect(claimDeferred({ groups: ['a'] }, 'groups')).toBe(false);
    expect(claimDeferred({ _claim_names: ['groups'] }, 'groups')).toBe(false);
    expect(claimDeferred({ _claim_names: {} }, 'constructor')).toBe(false);
  });
});
