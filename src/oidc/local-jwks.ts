import { createLocalJWKSet } from 'jose';
import type { ProviderHolder } from './provider-holder.js';

/**
 * The provider's current public keys as a jose key set, rebuilt only when the key set's version changes
 * (a rotation from any replica): the token verifiers check signatures locally, without fetching the JWKS.
 */
export function localJwks(holder: ProviderHolder): () => ReturnType<typeof createLocalJWKSet> {
  let cached: { version: string; jwks: ReturnType<typeof createLocalJWKSet> } | undefined;
  return () => {
    const { keySet } = holder;
    if (cached?.version !== keySet.version) cached = { version: keySet.version, jwks: createLocalJWKSet({ keys: [...keySet.publicJwks] }) };
    return cached.jwks;
  };
}
