import type { KeyObject } from 'node:crypto';

/** How node:crypto signs and verifies one JWS algorithm, and which keys may be used with it. */
export interface JwsAlgorithm {
  /** The digest `crypto.sign`/`crypto.verify` take; null for EdDSA, which hashes itself. */
  digest: string | null;
  /** RFC 7518 §3.4: an ECDSA JWS signature is R || S, not the DER sequence node:crypto uses by default. */
  dsaEncoding?: 'ieee-p1363';
  /**
   * Whether `key` may sign or verify with this algorithm: the key decides, never the header alone, so an RSA
   * public key can never be used as an HMAC secret (RFC 8725 §2.1).
   */
  fits(key: KeyObject): boolean;
}

/** The algorithms Latchkey signs with (config/signing-config.ts). */
const JWS_ALGORITHMS: Readonly<Record<string, JwsAlgorithm>> = {
  RS256: { digest: 'sha256', fits: (key) => key.asymmetricKeyType === 'rsa' && (key.asymmetricKeyDetails?.modulusLength ?? 0) >= 2048 },
  ES256: { digest: 'sha256', dsaEncoding: 'ieee-p1363', fits: (key) => key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1' },
  EdDSA: { digest: null, fits: (key) => key.asymmetricKeyType === 'ed25519' },
};

/** The algorithm named `alg`, or undefined: own entries only, so a name like `constructor` is no algorithm. */
export function jwsAlgorithm(alg: unknown): JwsAlgorithm | undefined {
  return typeof alg === 'string' && Object.hasOwn(JWS_ALGORITHMS, alg) ? JWS_ALGORITHMS[alg] : undefined;
}

/** What `crypto.sign`/`crypto.verify` take as the key for `algorithm`. */
export function keyInput(algorithm: JwsAlgorithm, key: KeyObject): KeyObject | { key: KeyObject; dsaEncoding: 'ieee-p1363' } {
  return algorithm.dsaEncoding ? { key, dsaEncoding: algorithm.dsaEncoding } : key;
}
