import { createPrivateKey, createPublicKey, sign, type KeyObject } from 'node:crypto';
import type { JWK } from 'jose';
import { ExternalSigningKey } from 'oidc-provider';
import { jwsAlgorithm, keyInput } from './jws-algorithms.js';

/**
 * One of Latchkey's private signing keys, handed to oidc-provider as an ExternalSigningKey so that tokens
 * are signed with node:crypto rather than through jose's WebCrypto: same key, same JWS, without WebCrypto's
 * fixed cost (an RS256 signature took 340 µs through WebCrypto against 283 µs with node:crypto on Node 24). The provider still
 * publishes the public half (kty, n/e or crv/x/y, kid, alg, use) and verifies its own tokens with it.
 */
export class NodeSigningKey extends ExternalSigningKey {
  readonly #kid: string;
  readonly #alg: string;
  readonly #publicKey: KeyObject;
  readonly #digest: string | null;
  readonly #input: ReturnType<typeof keyInput>;

  constructor(privateJwk: JWK) {
    super();
    const { kid, alg } = privateJwk;
    const algorithm = jwsAlgorithm(alg);
    if (!algorithm || typeof kid !== 'string' || typeof alg !== 'string') throw new Error(`signing key ${String(kid)} has no supported alg (${String(alg)})`);
    this.#kid = kid;
    this.#alg = alg;
    const privateKey = createPrivateKey({ key: privateJwk, format: 'jwk' });
    this.#publicKey = createPublicKey(privateKey);
    this.#digest = algorithm.digest;
    this.#input = keyInput(algorithm, privateKey);
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
