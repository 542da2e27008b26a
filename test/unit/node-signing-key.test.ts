import { describe, expect, it } from 'vitest';
import { compactVerify, exportJWK, generateKeyPair, importJWK } from 'jose';
import { NodeSigningKey } from '../../src/oidc/node-signing-key.js';

async function privateJwkFor(alg: 'RS256' | 'ES256' | 'EdDSA') {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
  return {
    publicJwk: { ...(await exportJWK(publicKey)), kid: `k-${alg}`, alg, use: 'sig' },
    privateJwk: { ...(await exportJWK(privateKey)), kid: `k-${alg}`, alg, use: 'sig' },
  };
}

const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('signing keys handed to oidc-provider (node:crypto)', () => {
  it('sign JWS that an independent verifier (jose, WebCrypto) accepts with the published key, for each algorithm', async () => {
    for (const alg of ['RS256', 'ES256', 'EdDSA'] as const) {
      const { publicJwk, privateJwk } = await privateJwkFor(alg);
      const key = new NodeSigningKey(privateJwk);
      const input = `${encode({ alg, kid: key.kid, typ: 'at+jwt' })}.${encode({ sub: 'user-1' })}`;
      const token = `${input}.${Buffer.from(await key.sign(Buffer.from(input))).toString('base64url')}`;
      const { payload, protectedHeader } = await compactVerify(token, await importJWK(publicJwk, alg));
      expect(protectedHeader.alg).toBe(alg);
      expect(JSON.parse(new TextDecoder().decode(payload))).toEqual({ sub: 'user-1' });
    }
  });

  it('publish only the public half, under the stored kid and alg', async () => {
    for (const alg of ['RS256', 'ES256', 'EdDSA'] as const) {
      const { publicJwk, privateJwk } = await privateJwkFor(alg);
      const key = new NodeSigningKey(privateJwk);
      expect({ kid: key.kid, alg: key.alg, use: key.use, kty: key.kty }).toEqual({ kid: publicJwk.kid, alg, use: 'sig', kty: publicJwk.kty });
      expect({ n: key.n, e: key.e, crv: key.crv, x: key.x, y: key.y }).toEqual({ n: publicJwk.n, e: publicJwk.e, crv: publicJwk.crv, x: publicJwk.x, y: publicJwk.y });
      expect(key.keyObject().type).toBe('public');
      expect(key.keyObject().export({ format: 'jwk' })).not.toHaveProperty('d');
    }
  });

  it('refuse a key without a supported algorithm', async () => {
    const { privateJwk } = await privateJwkFor('RS256');
    expect(() => new NodeSigningKey({ ...privateJwk, alg: 'HS256' })).toThrow(/no supported alg/);
    expect(() => new NodeSigningKey({ ...privateJwk, alg: undefined })).toThrow(/no supported alg/);
  });
});
