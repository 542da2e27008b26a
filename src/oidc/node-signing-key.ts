import { createPrivateKey, createPublicKey, sign, type KeyObject, type SignKeyObjectInput } from 'node:crypto';
import type { JWK } from 'jose';
import { ExternalSigningKey } from 'oidc-provider';

/** How node:crypto signs each algorithm Latchkey signs with (config/signing-config.ts), as JWS defines it. */
const SIGNERS: Record<string, { digest: string | null; dsaEncoding?: 'ieee-p1363' }> = {
  RS256: { digest: 'sha256' },
  // RFC 7518 §3.4: the JWS signature is R || S, not the DER sequence node:crypto produces by default.
  ES256: { digest: 'sha256', dsaEncoding: 'ieee-p1363' },
  EdDSA: { digest: null },
};

/**
 * One of Latchkey's private signing keys, handed to oidc-provider as an ExternalSigningKey so that tokens
 * are signed with node:crypto rather than through jose's WebCrypto: same key, same JWS, without WebCrypto's
 * fixed cost (about 60 µs of the main thread per RS256 signature on this runtime). The provider still
 * publishes the public half (kty, n/e or crv/x/y, kid, alg, use) and verifies its own tokens with it.
 */
export class NodeSigningKey extends ExternalSigningKey {
  readonly #kid: string;
  readonly #alg: string;
  readonly #privateKey: KeyObject;
  readonly #publicKey: KeyObject;
  readonly #digest: string | null;
  readonly #input: SignKeyObjectInput | KeyObject;

  constructor(privateJwk: JWK) {
    super();
    const { kid, alg } = privateJwk;
    const signer = typeof alg === 'string' ? SIGNERS[alg] : undefined;
    if (!signer || typeof kid !== 'string' || typeof alg !== 'string') throw new Error(`signing key ${String(kid)} has no supported alg (${String(alg)})`);
    this.#kid = kid;
    this.#alg = alg;
    this.#privateKey = createPrivateKey({ key: privateJwk, format: 'jwk' });
    this.#publicKey = createPublicKey(this.#privateKey);
    this.#digest = signer.digest;
    this.#input = signer.dsaEncoding ? { key: this.#privateKey, dsaEncoding: signer.dsaEncoding } : this.#privateKey;
  }

  override get kid(): string {
    return this.#kid;
  }

  override get alg(): string {
    return this.#alg;
  }

  override keyObject(): KeyObject {
    return this.#publicKey;
  }

  override sign(data: Uint8Array): Promise<Uint8Array> {
    // With a callback, node:crypto signs on the libuv thread pool, off the event loop.
    return new Promise((resolve, reject) => {
      sign(this.#digest, data, this.#input, (error, signature) => (error ? reject(error) : resolve(signature)));
    });
  }
}
