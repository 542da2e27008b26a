import { createPrivateKey, type KeyObject } from 'node:crypto';
import { SignJWT } from 'jose';
import { epochSeconds, type Clock } from '../../lib/clock.js';

/** The audience Apple requires in a client secret, whatever `APPLE_ISSUER` says (tests verify it too). */
export const APPLE_CLIENT_SECRET_AUDIENCE = 'https://appleid.apple.com';

/** Apple refuses a client secret whose `exp` is more than 15,777,000 s (about six months) after `iat`. */
export const APPLE_CLIENT_SECRET_MAX_TTL = 15_777_000;

/** Default lifetime: short, so that only the `.p8` key is a long-lived secret. */
export const APPLE_CLIENT_SECRET_TTL = 3600;

/** A cached secret is replaced once it has less than this many seconds left, so none expires in flight. */
export const APPLE_CLIENT_SECRET_RENEW_MARGIN = 300;

/** What signs an Apple client secret. */
export interface AppleClientSecretInput {
  readonly teamId: string;
  readonly keyId: string;
  /** The Services ID (`APPLE_CLIENT_ID`). */
  readonly servicesId: string;
  /** The `.p8` key: PKCS#8 PEM text or an already imported key. */
  readonly privateKey: string | KeyObject;
  readonly clock: Clock;
  /** Seconds, at most {@link APPLE_CLIENT_SECRET_MAX_TTL}; default {@link APPLE_CLIENT_SECRET_TTL}. */
  readonly ttlSeconds?: number;
}

/** A signed client secret and when it stops being valid (epoch seconds). */
export interface AppleClientSecret {
  readonly jwt: string;
  readonly expiresAt: number;
}

/**
 * Signs a client secret as Apple defines it: ES256 with header `kid`, `iss` the Team ID, `sub` the Services
 * ID, `aud` https://appleid.apple.com, `iat` and `exp` (developer.apple.com "Creating a client secret").
 */
export async function appleClientSecret(input: AppleClientSecretInput): Promise<AppleClientSecret> {
  const ttl = input.ttlSeconds ?? APPLE_CLIENT_SECRET_TTL;
  if (!Number.isInteger(ttl) || ttl <= APPLE_CLIENT_SECRET_RENEW_MARGIN || ttl > APPLE_CLIENT_SECRET_MAX_TTL) {
    throw new RangeError(`Apple client secret lifetime must be an integer in (${APPLE_CLIENT_SECRET_RENEW_MARGIN}, ${APPLE_CLIENT_SECRET_MAX_TTL}] seconds`);
  }
  const key = typeof input.privateKey === 'string' ? createPrivateKey(input.privateKey) : input.privateKey;
  const now = epochSeconds(input.clock);
  const jwt = await new SignJWT({})
    .setProtectedHeader({ alg: 'ES256', kid: input.keyId })
    .setIssuer(input.teamId)
    .setSubject(input.servicesId)
    .setAudience(APPLE_CLIENT_SECRET_AUDIENCE)
    .setIssuedAt(now)
    .setExpirationTime(now + ttl)
    .sign(key);
  return { jwt, expiresAt: now + ttl };
}

/**
 * A source of client secrets that signs once and reuses the result until fewer than
 * {@link APPLE_CLIENT_SECRET_RENEW_MARGIN} seconds remain. Concurrent callers share one signing.
 */
export function createAppleClientSecretSource(input: AppleClientSecretInput): { current(): Promise<string> } {
  // Parse the PEM once; loadConfig has already proved it is an EC P-256 key.
  const settings = { ...input, privateKey: typeof input.privateKey === 'string' ? createPrivateKey(input.privateKey) : input.privateKey };
  let cached: { promise: Promise<AppleClientSecret>; expiresAt: number } | null = null;
  return {
    async current() {
      const now = epochSeconds(input.clock);
      if (cached === null || cached.expiresAt - now < APPLE_CLIENT_SECRET_RENEW_MARGIN) {
        const promise = appleClientSecret(settings);
        const entry = { promise, expiresAt: now + (input.ttlSeconds ?? APPLE_CLIENT_SECRET_TTL) };
        cached = entry;
        // A failed signing must not be served from the cache.
        promise.catch(() => { if (cached === entry) cached = null; });
      }
      return (await cached.promise).jwt;
    },
  };
}
