import type { Grant, KoaContextWithOIDC } from 'oidc-provider';

/** Claims oidc-provider never asks consent for (its own consent prompt skips them too). */
const NON_REJECTABLE_CLAIMS = new Set(['sub', 'sid', 'auth_time', 'acr', 'amr', 'iss']);

/**
 * oidc-provider's `loadExistingGrant` hook, with implied consent for first-party apps (clients created with
 * `--first-party`): their grant is built or extended here with what the request asks for, so the provider's
 * consent prompt finds nothing missing and no consent page is shown. The app can still ask for the page
 * with `prompt=consent`. Native apps are asked anyway: the provider's `native_client_prompt` check stays,
 * because another app on the device can claim a native app's redirect (RFC 8252 §8.6).
 *
 * Anything else gets the default behaviour: the grant of this interaction's consent, or the session's
 * grant for the client. The grant is saved only when something was added.
 */
export async function loadExistingGrant(ctx: KoaContextWithOIDC): Promise<Grant | undefined> {
  const { oidc } = ctx;
  const client = oidc.client!;
  const grantId = oidc.result?.consent?.grantId ?? oidc.session?.grantIdFor(client.clientId);
  const existing = grantId ? await oidc.provider.Grant.find(grantId) : undefined;
  const account = oidc.account;
  if (client.latchkey_first_party !== true || oidc.prompts.has('consent') || !account) return existing;

  const grant = existing ?? new oidc.provider.Grant({ clientId: client.clientId, accountId: account.accountId });
  let changed = !existing;
  const grantedScopes = new Set(grant.getOIDCScopeEncountered().split(' '));
  const scopes = [...oidc.requestParamOIDCScopes].filter((scope) => !grantedScopes.has(scope));
  if (scopes.length) grant.addOIDCScope(scopes.join(' '));
  const grantedClaims = new Set(grant.getOIDCClaimsEncountered());
  const claims = [...oidc.requestParamClaims].filter((claim) => !grantedClaims.has(claim) && !NON_REJECTABLE_CLAIMS.has(claim));
  if (claims.length) grant.addOIDCClaims(claims);
  changed ||= scopes.length > 0 || claims.length > 0;
  for (const [indicator, resourceServer] of Object.entries(oidc.resourceServers ?? {})) {
    const granted = new Set(grant.getResourceScopeEncountered(indicator).split(' '));
    const missing = [...oidc.requestParamScopes].filter((scope) => resourceServer.scopes.has(scope) && !granted.has(scope));
    if (missing.length) grant.addResourceScope(indicator, missing.join(' '));
    changed ||= missing.length > 0;
  }
  if (changed) await grant.save();
  return grant;
}
