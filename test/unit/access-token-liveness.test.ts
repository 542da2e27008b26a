import { describe, expect, it } from 'vitest';
import { InvalidTokenError } from '../../src/errors/app-error.js';
import { assertAccessTokenLive, type AccessTokenLiveness } from '../../src/oidc/access-token-verifier.js';

const user = { grantId: 'grant-1', accountId: '0b7c2a4e-0000-4000-8000-000000000001' };
const machine = { grantId: null, accountId: null };
const live: AccessTokenLiveness = { grant_live: true, revoked: false, user_enabled: true, user_status: 'confirmed', client_exists: true };

function refusal(token: typeof user | typeof machine, liveness: Partial<AccessTokenLiveness>): string | null {
  try {
    assertAccessTokenLive(token, { ...live, ...liveness });
    return null;
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidTokenError);
    return (error as InvalidTokenError).message;
  }
}

describe('assertAccessTokenLive: the liveness columns applied to verified claims', () => {
  it('passes a live user token and a live client-credentials token', () => {
    expect(refusal(user, {})).toBeNull();
    // A client-credentials token has no grant and no user: those columns do not apply.
    expect(refusal(machine, { grant_live: false, user_enabled: null, user_status: null })).toBeNull();
  });

  it('refuses with the messages verify() gives, the grant first', () => {
    expect(refusal(user, { grant_live: false, revoked: true })).toBe('access token grant was revoked');
    expect(refusal(user, { revoked: true })).toBe('access token was revoked');
    expect(refusal(machine, { revoked: true })).toBe('access token was revoked');
    expect(refusal(user, { client_exists: false })).toBe('access token client was deleted');
    expect(refusal(machine, { client_exists: false })).toBe('access token client was deleted');
  });

  it('refuses a user who may no longer act, by the account-state rule (deleted, disabled, unconfirmed, reset required, unknown)', () => {
    const gone = 'access token user may no longer act (disabled, unconfirmed, reset required or deleted)';
    expect(refusal(user, { user_enabled: null, user_status: null })).toBe(gone);
    expect(refusal(user, { user_enabled: false })).toBe(gone);
    for (const status of ['unconfirmed', 'reset_required', 'status-of-a-newer-build']) expect(refusal(user, { user_status: status })).toBe(gone);
  });
});
