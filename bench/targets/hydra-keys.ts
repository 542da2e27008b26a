import { generateKeyPair, randomUUID } from 'node:crypto';
import { promisify } from 'node:util';

/** Hydra's key sets for JWT access tokens and ID tokens (v2.3.0 `x/const.go`). */
const SIGNING_KEY_SETS = ['hydra.jwt.access-token', 'hydra.openid.id-token'] as const;

const generateRsaKeyPair = promisify(generateKeyPair);

/**
 * Replaces Hydra's signing keys with RSA-2048 RS256 keys, the size Latchkey signs with (`src/oidc/signing-keys.ts`).
 * Hydra would otherwise generate RSA-4096 keys on first use, and its `POST /admin/keys/{set}` generates 4096 bits
 * as well (`jwk/generate.go`), so the keys are made here and stored with `PUT /admin/keys/{set}`, which replaces
 * the whole set (`persistence/sql/persister_jwk.go` `UpdateKeySet`). Both sets: the access token and, in the
 * authorization code and refresh scenarios, the ID token are signed with the same key size on both sides.
 * Must run before the first token, which would otherwise generate and keep the default keys.
 */
export async function installRsa2048SigningKeys(adminUrl: string): Promise<void> {
  for (const set of SIGNING_KEY_SETS) {
    const { privateKey } = await generateRsaKeyPair('rsa', { modulusLength: 2048 });
    const jwk = { ...privateKey.export({ format: 'jwk' }), kid: randomUUID(), alg: 'RS256', use: 'sig' };
    const response = await fetch(`${adminUrl}/admin/keys/${set}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ keys: [jwk] }),
    });
    if (!response.ok) throw new Error(`hydra refused the ${set} key: ${response.status} ${await response.text()}`);
  }
}

/**
 * Makes Hydra load (or, with its defaults, generate) both signing keys now: its JWKS endpoint creates a missing
 * set (`jwk/handler.go` `discoverJsonWebKeys`). Generating two RSA-4096 keys takes seconds, which would otherwise
 * land in the first measured request.
 */
export async function ensureSigningKeys(publicUrl: string): Promise<void> {
  const response = await fetch(`${publicUrl}/.well-known/jwks.json`);
  if (!response.ok) throw new Error(`hydra JWKS: ${response.status} ${await response.text()}`);
  const jwks = (await response.json()) as { keys?: unknown[] };
  if ((jwks.keys?.length ?? 0) < SIGNING_KEY_SETS.length) throw new Error('hydra JWKS lacks a signing key');
}
