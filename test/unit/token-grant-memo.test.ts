import { describe, expect, it } from 'vitest';
import type { ActingUserRow } from '../../src/oidc/find-account.js';
import { createTokenGrantMemo } from '../../src/oidc/token-grant-memo.js';

const user = { id: 'u-1', groups: [] } as unknown as ActingUserRow;

describe('token grant memo', () => {
  it('hands each loaded row out once, to the request that loaded it, and only under the id it was loaded for', () => {
    const memo = createTokenGrantMemo();
    const request = {};
    memo.remember(request, { tokenId: 't-1', grant: { id: 'g-1', payload: { accountId: 'u-1' } }, session: { uid: 's-1', payload: { uid: 's-1' } }, user });
    expect(memo.takeGrant({}, 'g-1')).toBeUndefined();
    expect(memo.takeSession({}, 's-1')).toBeUndefined();
    expect(memo.takeSession(request, 's-2')).toBeUndefined();
    expect(memo.takeGrant(undefined, 'g-1')).toBeUndefined();
    expect(memo.takeGrant(request, 'g-2')).toBeUndefined();
    expect(memo.takeUser(request, 'u-2')).toBeUndefined();
    expect(memo.takeGrant(request, 'g-1')).toEqual({ accountId: 'u-1' });
    expect(memo.takeGrant(request, 'g-1')).toBeUndefined();
    expect(memo.takeUser(request, 'u-1')).toBe(user);
    expect(memo.takeUser(request, 'u-1')).toBeUndefined();
    expect(memo.takeSession(request, 's-1')).toEqual({ uid: 's-1' });
    expect(memo.takeSession(request, 's-1')).toBeUndefined();
  });

  it('defers the consumption of the presented token only, once', () => {
    const memo = createTokenGrantMemo();
    const request = {};
    expect(memo.deferConsume(request, 't-1')).toBe(false);
    memo.remember(request, { tokenId: 't-1' });
    expect(memo.takeDeferredConsume(request)).toBeUndefined();
    expect(memo.deferConsume(request, 't-2')).toBe(false);
    expect(memo.deferConsume({}, 't-1')).toBe(false);
    expect(memo.deferConsume(request, 't-1')).toBe(true);
    expect(memo.takeDeferredConsume({})).toBeUndefined();
    expect(memo.takeDeferredConsume(request)).toBe('t-1');
    expect(memo.takeDeferredConsume(request)).toBeUndefined();
    // A second consumption in the same request is not deferred: it goes to the database at once.
    expect(memo.deferConsume(request, 't-1')).toBe(false);
  });
});
