import { describe, expect, it } from 'vitest';
import { createSecretBox } from '../../src/lib/secret-box.js';
import { constantTimeEqual, digestsEqual, sha256Hex } from '../../src/lib/hashing.js';
import { createModelAtRest } from '../../src/oidc/model-at-rest.js';
import { createCsrf } from '../../src/interaction/csrf.js';
import { addressBucket } from '../../src/interaction/login-throttle.js';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);

describe('secret box', () => {
  it('round-trips and binds the purpose', () => {
    const box = createSecretBox([A]);
    const sealed = box.seal('private key', 'signing-key:1');
    expect(sealed).not.toContain('private key');
    expect(box.open(sealed, 'signing-key:1')).toBe('private key');
    expect(() => box.open(sealed, 'signing-key:2')).toThrow(/no configured secret/);
  });

  it('opens values sealed under an older secret after rotation, and detects tampering', () => {
    const sealed = createSecretBox([A]).seal('v', 'p');
    expect(createSecretBox([B, A]).open(sealed, 'p')).toBe('v');
    expect(() => createSecretBox([B]).open(sealed, 'p')).toThrow();
    const [v, iv, tag, body] = sealed.split('.');
    // One bit of the ciphertext flipped in its bytes (editing a base64 character could leave it unchanged).
    const bytes = Buffer.from(body!, 'base64url');
    bytes[0]! ^= 1;
    const flipped = `${v}.${iv}.${tag}.${bytes.toString('base64url')}`;
    expect(flipped).not.toBe(sealed);
    expect(() => createSecretBox([A]).open(flipped, 'p')).toThrow();
    expect(() => createSecretBox([A]).open('garbage', 'p')).toThrow(/malformed/);
  });

  it('refuses a value whose GCM tag was truncated, down to the 4 bytes Node would otherwise accept', () => {
    const box = createSecretBox([A]);
    const [v, iv, tag, body] = box.seal('v', 'p').split('.');
    const full = Buffer.from(tag!, 'base64url');
    expect(full).toHaveLength(16);
    // A GCM tag's prefix is the tag of a shorter length: without a pinned length these would open.
    for (const bytes of [15, 12, 8, 4]) {
      const truncated = [v, iv, full.subarray(0, bytes).toString('base64url'), body].join('.');
      expect(() => box.open(truncated, 'p')).toThrow(/malformed/);
    }
    expect(() => box.open([v, iv, tag, body, 'extra'].join('.'), 'p')).toThrow(/malformed/);
  });
});

describe('provider models at rest', () => {
  const refreshToken = 'k2Vq3Yw8xG1rT0pLmN4sH7dJ9bC6aE5fU2iO8yR1tW3';

  it('keys a stored id by an HMAC under the first secret and looks it up under every secret, then raw', () => {
    const rotated = createModelAtRest([B, A]);
    const [underB, underA, raw] = rotated.lookupKeys(refreshToken);
    expect(underB).toBe(rotated.storageKey(refreshToken));
    expect(underA).toBe(createModelAtRest([A]).storageKey(refreshToken));
    expect(raw).toBe(refreshToken);
    expect(underB).toMatch(/^h1\.[\w-]{43}$/);
    expect(underB).not.toContain(refreshToken);
  });

  it('never offers a value with a NUL byte, a control character or a dot as a raw legacy id', () => {
    const atRest = createModelAtRest([A]);
    for (const hostile of ['\u0000', 'abc\u0000def', 'tab\there', 'line\n', '\u007f', 'h1.abc', 'x'.repeat(600), '']) {
      const keys = atRest.lookupKeys(hostile);
      expect(keys).toHaveLength(1);
      expect(keys[0]).toMatch(/^h1\.[\w-]{43}$/);
    }
  });

  it('seals every payload field but the owner and expiry fields, and opens it under any configured secret', () => {
    const payload = {
      jti: refreshToken, kind: 'Interaction', iat: 1, exp: 2, accountId: 'acc', clientId: 'app', grantId: 'grant', uid: 'interaction-uid',
      session: { cookie: 'session-cookie-value', uid: 'session-uid' }, returnTo: `https://id.example/auth/${refreshToken}`, parJti: 'par-id',
    };
    const stored = createModelAtRest([A]).seal('Interaction', payload);
    expect(Object.keys(stored).sort()).toEqual(['accountId', 'clientId', 'exp', 'grantId', 'iat', 'sealed']);
    for (const secret of [refreshToken, 'session-cookie-value', 'session-uid', 'par-id', 'interaction-uid']) expect(JSON.stringify(stored)).not.toContain(secret);
    expect(createModelAtRest([B, A]).open('Interaction', stored)).toEqual(payload);
    // Bound to its model, and lost with its secret: treated as not found.
    expect(createModelAtRest([A]).open('Session', stored)).toBeUndefined();
    expect(createModelAtRest([B]).open('Interaction', stored)).toBeUndefined();
    // A row from before sealing passes as it is.
    expect(createModelAtRest([A]).open('Interaction', payload)).toEqual(payload);
  });

  it('leaves out of the sealed payload the kind the row\'s model names, and the jti of a model found only by its id', () => {
    const atRest = createModelAtRest([A]);
    const code = { jti: refreshToken, kind: 'AuthorizationCode', iat: 1, exp: 2, accountId: 'acc', clientId: 'app', grantId: 'grant', scope: 'openid' };
    const storedCode = atRest.seal('AuthorizationCode', code);
    expect(Object.keys(storedCode).sort()).toEqual(['accountId', 'clientId', 'exp', 'grantId', 'iat', 'sealed']);
    expect(atRest.open('AuthorizationCode', storedCode)).toEqual({ ...code, jti: undefined }); // find(id) puts the id back as jti
    // Smaller than the row that stores both: the code's id (43 characters, sealed) and its kind in the clear.
    const { jti, kind, scope, ...clear } = code;
    const both = { kind, ...clear, sealed: createSecretBox([A]).seal(JSON.stringify({ jti, scope }), 'oidc-model:AuthorizationCode') };
    expect(JSON.stringify(storedCode).length).toBeLessThan(JSON.stringify(both).length - 80);
    // Found by its uid, a Session keeps its jti: nothing else could give it back.
    const session = { jti: 'session-id', kind: 'Session', uid: 'session-uid', exp: 2, accountId: 'acc' };
    expect(atRest.open('Session', atRest.seal('Session', session))).toEqual(session);
    // A row sealed before these were left out opens as it was.
    const older = { kind: 'AuthorizationCode', iat: 1, sealed: createSecretBox([A]).seal(JSON.stringify({ jti: refreshToken, scope: 'openid' }), 'oidc-model:AuthorizationCode') };
    expect(atRest.open('AuthorizationCode', older)).toEqual({ kind: 'AuthorizationCode', iat: 1, jti: refreshToken, scope: 'openid' });
  });
});

describe('constantTimeEqual', () => {
  it('compares strings of any length without throwing', () => {
    expect(constantTimeEqual('abc', 'abc')).toBe(true);
    expect(constantTimeEqual('abc', 'abd')).toBe(false);
    expect(constantTimeEqual('abc', 'abcd')).toBe(false);
    expect(constantTimeEqual('', '')).toBe(true);
  });
});

describe('digestsEqual', () => {
  it('accepts the digest of the same secret and refuses any other digest, a truncated one or a non-digest', () => {
    const stored = sha256Hex('client secret');
    expect(digestsEqual(stored, sha256Hex('client secret'))).toBe(true);
    expect(digestsEqual(stored, sha256Hex('client secreT'))).toBe(false);
    expect(digestsEqual(stored, stored.slice(0, 63))).toBe(false);
    expect(digestsEqual(stored, `${stored}0`)).toBe(false);
    expect(digestsEqual('', sha256Hex(''))).toBe(false);
    // Text beyond Latin-1 is compared as UTF-8, never truncated to a byte that another character shares.
    expect(digestsEqual('ĩ'.repeat(32), ')'.repeat(32))).toBe(false);
    expect(digestsEqual('ĩ'.repeat(32), 'ĩ'.repeat(32))).toBe(true);
    expect(digestsEqual('ĩ'.repeat(32), 'a'.repeat(64))).toBe(false);
  });
});

describe('CSRF tokens', () => {
  it('verify for their interaction only, under any configured secret', () => {
    const csrf = createCsrf([A]);
    const token = csrf.issue('uid-1');
    expect(() => csrf.verify('uid-1', token)).not.toThrow();
    expect(() => csrf.verify('uid-2', token)).toThrow(/expired or was not sent by this site/);
    expect(() => csrf.verify('uid-1', undefined)).toThrow();
    expect(() => csrf.verify('uid-1', 'x'.repeat(500))).toThrow();
    expect(() => createCsrf([B, A]).verify('uid-1', token)).not.toThrow();
  });
});

describe('addressBucket', () => {
  it('counts IPv4 per address and IPv6 per /64', () => {
    expect(addressBucket('198.51.100.7')).toBe('198.51.100.7');
    expect(addressBucket('::ffff:198.51.100.7')).toBe('198.51.100.7');
    expect(addressBucket('2001:db8:1:2::1')).toBe('2001:db8:1:2::/64');
    expect(addressBucket('2001:0db8:0001:0002:aaaa:bbbb:cccc:dddd')).toBe('2001:db8:1:2::/64');
    expect(addressBucket('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(addressBucket('::1')).toBe('0:0:0:0::/64');
  });
});
