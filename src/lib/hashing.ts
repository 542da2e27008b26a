import { createHash, createHmac, createSecretKey, hkdfSync, timingSafeEqual, type KeyObject } from 'node:crypto';

/** SHA-256 hex digest (a string as its UTF-8). Enough for high-entropy random secrets (client secrets), which need no salt. */
export function sha256Hex(value: string | Buffer): string {
  return createHash('sha256').update(value).digest('hex');
}

/**
 * One 256-bit key per secret for one `purpose` (HKDF-SHA256), in the order of `LATCHKEY_SECRET`: the first
 * key writes, every key is tried when reading. Deriving costs a few microseconds; callers do it once. The
 * keys are KeyObjects: an HMAC keyed by a Buffer imports the key again on every call, several times the
 * cost of the HMAC itself.
 */
export function deriveKeys(secrets: readonly string[], purpose: string): KeyObject[] {
  if (secrets.length === 0) throw new Error('at least one secret is required');
  return secrets.map((secret) => createSecretKey(Buffer.from(hkdfSync('sha256', secret, 'latchkey', purpose, 32))));
}

/** HMAC-SHA256 as base64url. */
export function hmacBase64url(key: string | Buffer | KeyObject, value: string): string {
  return createHmac('sha256', key).update(value, 'utf8').digest('base64url');
}

/**
 * Constant-time string comparison. Both sides are hashed first so that unequal lengths neither throw
 * nor leak through timing (oidc-provider `lib/helpers/constant_equals.js` pads for the same reason).
 */
export function constantTimeEqual(a: string, b: string): boolean {
  const left = createHash('sha256').update(a, 'utf8').digest();
  const right = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(left, right) && a.length === b.length;
}

/**
 * Constant-time comparison of two SHA-256 hex digests (a stored client secret's and the presented one's).
 * Unlike {@link constantTimeEqual} nothing is hashed again: a digest's length is public (64 for any secret),
 * so a stored value of another length (in UTF-8 bytes) is refused at once, and equal-length digests are compared byte for
 * byte by `timingSafeEqual`. The token endpoint authenticates a client with this on every request.
 */
export function digestsEqual(stored: string, presented: string): boolean {
  const left = Buffer.from(stored, 'utf8');
  const right = Buffer.from(presented, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}
