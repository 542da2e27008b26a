import { createPublicKey, verify as verifySignature, type KeyObject } from 'node:crypto';
import type { JWK, JWTPayload, ProtectedHeaderParameters } from 'jose';
import { ExpiredTokenError, InvalidTokenError } from '../errors/app-error.js';
import { jwsAlgorithm, keyInput, type JwsAlgorithm } from './jws-algorithms.js';

/**
 * Why a token was refused, as a stable code (the operator's log gets it; a client learns only "invalid",
 * or "expired").
 */
export type LocalJwtFailure =
  | 'malformed' | 'unsupported_header' | 'algorithm_not_allowed' | 'unknown_key' | 'bad_signature'
  | 'wrong_type' | 'claim_missing' | 'claim_invalid' | 'wrong_issuer' | 'wrong_audience' | 'not_yet_valid' | 'expired';

export class LocalJwtError extends Error {
  readonly code: LocalJwtFailure;
  constructor(code: LocalJwtFailure, message: string) {
    super(message);
    this.name = 'LocalJwtError';
    this.code = code;
  }
}

/** What a token is held to. Times in seconds; `now` from the caller's clock. */
export interface LocalJwtExpectations {
  issuer: string;
  /** The algorithms accepted (a subset of jws-algorithms.ts); the key must also be of the algorithm's type. */
  algorithms: readonly string[];
  /** The header's `typ` (compared as RFC 8725 §3.11 and jose do: case-insensitive, `application/` optional). */
  typ?: string;
  /** An audience the token must name. */
  audience?: string;
  requiredClaims: readonly string[];
  clockToleranceSeconds: number;
  now: Date;
}

export interface LocalJwt {
  header: ProtectedHeaderParameters;
  payload: JWTPayload;
}

/** The published keys the tokens are checked against, and a version that changes whenever they do. */
export interface LocalKeySet {
  version: string;
  publicJwks: readonly JWK[];
}

/** A JWS compact serialization: three base64url segments, the last non-empty (no `alg: none`). */
const COMPACT_JWS = /^([\w-]+)\.([\w-]+)\.([\w-]+)$/;
const MAX_TOKEN_LENGTH = 8192;

function decodeObject(segment: string, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
  } catch {
    throw new LocalJwtError('malformed', `${what} is not base64url-encoded JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new LocalJwtError('malformed', `${what} is not a JSON object`);
  return value as Record<string, unknown>;
}

/** A signature of the wrong length or encoding makes node:crypto throw: that is a bad signature too. */
function signatureValid(algorithm: JwsAlgorithm, key: KeyObject, signed: Buffer, signature: Buffer): boolean {
  try {
    return verifySignature(algorithm.digest, signed, keyInput(algorithm, key), signature);
  } catch {
    return false;
  }
}

const normalizeTyp = (typ: string) => typ.toLowerCase().replace(/^application\//, '');

function checkClaims(payload: JWTPayload, expected: LocalJwtExpectations): void {
  for (const claim of expected.requiredClaims) {
    if (payload[claim] === undefined) throw new LocalJwtError('claim_missing', `missing required "${claim}" claim`);
  }
  if (payload.iss !== expected.issuer) throw new LocalJwtError('wrong_issuer', 'unexpected "iss" claim value');
  if (expected.audience !== undefined) {
    const audiences = typeof payload.aud === 'string' ? [payload.aud] : Array.isArray(payload.aud) ? payload.aud : [];
    if (!audiences.includes(expected.audience)) throw new LocalJwtError('wrong_audience', 'unexpected "aud" claim value');
  }
  const now = Math.floor(expected.now.getTime() / 1000);
  const tolerance = expected.clockToleranceSeconds;
  for (const claim of ['iat', 'nbf', 'exp'] as const) {
    const value = payload[claim];
    if (value !== undefined && (typeof value !== 'number' || !Number.isFinite(value))) throw new LocalJwtError('claim_invalid', `"${claim}" claim must be a number`);
  }
  if (payload.nbf !== undefined && payload.nbf > now + tolerance) throw new LocalJwtError('not_yet_valid', '"nbf" claim timestamp check failed');
  if (payload.exp !== undefined && payload.exp <= now - tolerance) throw new LocalJwtError('expired', '"exp" claim timestamp check failed');
}

/**
 * How many tokens whose signature verified are remembered, by their exact text, for the key set they verified
 * under. An app presents the same access token many times (userinfo, introspection, storage credentials)
 * until it expires: the signature, a fifth of such a request's CPU, is checked on the first. Only tokens
 * Latchkey signed get in, so the bound is on memory (a few MB), not on anyone's guesses; a change of the key
 * set empties it. Everything that depends on the caller or the time (algorithms allowed, `typ`, issuer,
 * audience, expiry) is checked on every use, as is everything about the token's state, which is not a JWT's.
 * Gateways do the same (Envoy's jwt_authn `jwt_cache_config`).
 */
const VERIFIED_TOKENS = 4096;

export interface LocalJwtVerifier {
  (token: string, expected: LocalJwtExpectations): LocalJwt;
  /** How many verified tokens are remembered now (at most `rememberVerified`). */
  remembered(): number;
}

/** A header and payload that verified, frozen: callers share them. */
type VerifiedParts = Readonly<LocalJwt>;

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

/**
 * Verifies a JWT signed by Latchkey's own keys with `node:crypto`, synchronously: a quarter of the cost of
 * the WebCrypto verification jose is limited to (about 22 µs against 80 µs for RS256 on one core), on the
 * path of every userinfo, introspection and credential request. Foreign tokens (upstream IdPs) still go
 * through jose. Steps: shape → header (no `crit`/`b64`, an allowed `alg`, a known `kid` whose key fits the
 * alg) → signature over the exact ASCII input → payload (the three remembered per token, see
 * VERIFIED_TOKENS) → `typ` → claims. Throws LocalJwtError.
 */
export function createLocalJwtVerifier(keySet: () => LocalKeySet, options: { rememberVerified?: number } = {}): LocalJwtVerifier {
  const remember = options.rememberVerified ?? VERIFIED_TOKENS;
  let cached: { version: string; keys: Map<string, { key: KeyObject; alg: string | undefined }>; verified: Map<string, VerifiedParts> } | undefined;
  const current = () => {
    const set = keySet();
    if (cached?.version !== set.version) {
      const keys = new Map<string, { key: KeyObject; alg: string | undefined }>();
      for (const jwk of set.publicJwks) {
        if (typeof jwk.kid !== 'string' || (jwk.use !== undefined && jwk.use !== 'sig')) continue;
        keys.set(jwk.kid, { key: createPublicKey({ key: jwk, format: 'jwk' }), alg: jwk.alg });
      }
      cached = { version: set.version, keys, verified: new Map() };
    }
    return cached;
  };

  /** Shape, header, key and signature: what the token's text alone decides, under the current keys. */
  function verifySigned(token: string, keys: Map<string, { key: KeyObject; alg: string | undefined }>, expected: LocalJwtExpectations): VerifiedParts {
    const parts = token.length <= MAX_TOKEN_LENGTH ? COMPACT_JWS.exec(token) : null;
    if (!parts) throw new LocalJwtError('malformed', 'not a JWS compact serialization');
    const [, encodedHeader, encodedPayload, encodedSignature] = parts as unknown as [string, string, string, string];
    const header = decodeObject(encodedHeader, 'protected header') as ProtectedHeaderParameters;
    // Latchkey's tokens never carry critical extensions or unencoded payloads (RFC 7797): refuse them all.
    if (header.crit !== undefined || header.b64 !== undefined) throw new LocalJwtError('unsupported_header', '"crit" and "b64" are not accepted');
    const { alg } = header;
    const algorithm = typeof alg === 'string' && expected.algorithms.includes(alg) ? jwsAlgorithm(alg) : undefined;
    if (!algorithm) throw new LocalJwtError('algorithm_not_allowed', '"alg" is not allowed');
    const entry = typeof header.kid === 'string' ? keys.get(header.kid) : undefined;
    if (!entry || (entry.alg !== undefined && entry.alg !== alg) || !algorithm.fits(entry.key)) throw new LocalJwtError('unknown_key', 'no published key matches "kid" and "alg"');
    const signed = Buffer.from(`${encodedHeader}.${encodedPayload}`, 'ascii');
    const signature = Buffer.from(encodedSignature, 'base64url');
    if (!signatureValid(algorithm, entry.key, signed, signature)) throw new LocalJwtError('bad_signature', 'signature verification failed');
    return deepFreeze({ header, payload: decodeObject(encodedPayload, 'payload') });
  }

  const verifyLocalJwt = (token: string, expected: LocalJwtExpectations): LocalJwt => {
    const { keys, verified } = current();
    let parts = remember > 0 ? verified.get(token) : undefined;
    if (!parts) {
      parts = verifySigned(token, keys, expected);
      if (remember > 0) {
        // Oldest first out (Map keeps insertion order).
        if (verified.size >= remember) verified.delete(verified.keys().next().value!);
        verified.set(token, parts);
      }
    } else if (typeof parts.header.alg !== 'string' || !expected.algorithms.includes(parts.header.alg)) {
      // Verified for another caller, whose list allowed this algorithm.
      throw new LocalJwtError('algorithm_not_allowed', '"alg" is not allowed');
    }
    const { header, payload } = parts;
    if (expected.typ !== undefined && (typeof header.typ !== 'string' || normalizeTyp(header.typ) !== normalizeTyp(expected.typ))) {
      throw new LocalJwtError('wrong_type', 'unexpected "typ" JWT header value');
    }
    checkClaims(payload, expected);
    return { header, payload };
  };
  return Object.assign(verifyLocalJwt, { remembered: () => cached?.verified.size ?? 0 });
}

/**
 * The error a refused token becomes: ExpiredTokenError when only its age is wrong (AWS clients surface it as
 * ExpiredTokenException), else InvalidTokenError with `description`. The client learns no more than that; the
 * operator's log keeps the reason (bad_signature, a failed claim check, …) as the detail.
 */
export function tokenRefusal(error: unknown, description: string): InvalidTokenError {
  const detail = error instanceof LocalJwtError ? `${error.code}: ${error.message}` : String(error);
  if (error instanceof LocalJwtError && error.code === 'expired') return new ExpiredTokenError({ detail });
  return new InvalidTokenError(description, { detail });
}
