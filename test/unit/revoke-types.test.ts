import { describe, expect, it } from 'vitest';
import { grantRevokeType, userRevokeType } from '../../src/identity-pool/revoke-types.js';

const USER = '0b6f3c1e-6a2f-4d5e-9b7a-2f1c3d4e5f60';

describe('storage credential revocation tags', () => {
  it('tags a grant\'s credentials with the user and 32 hex digits of the grant id\'s SHA-256, the same every time', () => {
    const tag = grantRevokeType(USER, 'grant-one');
    expect(tag).toMatch(new RegExp(`^u:${USER}:g:[0-9a-f]{32}$`));
    expect(tag).toHaveLength(73);
    expect(grantRevokeType(USER, 'grant-one')).toBe(tag);
    expect(tag).not.toContain('grant-one');
  });

  it('gives different grants, and the per-user tag, different tags, so revoking one leaves the others', () => {
    const tags = new Set([grantRevokeType(USER, 'grant-one'), grantRevokeType(USER, 'grant-two'), userRevokeType(USER)]);
    expect(tags.size).toBe(3);
    expect(userRevokeType(USER)).toBe(`u:${USER}`);
  });
});
