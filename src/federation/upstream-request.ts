import * as client from 'openid-client';
import type { BegunFederation } from './federation-states.js';
import type { ResolvedUpstream } from './provider-types.js';

/** Latchkey's redirect URI at an upstream: `<LATCHKEY_ISSUER>/federation/callback/<name>`, never the request's URL. */
export function upstreamCallbackUrl(issuer: string, name: string): string {
  return `${issuer.replace(/\/+$/, '')}/federation/callback/${name}`;
}

/**
 * The authorization request to send the browser to, for a sign-in and for a link from the account page
 * alike: the policy's own parameters (Apple's form_post, Google's hd hint) and scope, the state, nonce and
 * PKCE challenge of the federation just begun.
 */
export function upstreamAuthorizationUrl(upstream: ResolvedUpstream, begun: BegunFederation, issuer: string): URL {
  return client.buildAuthorizationUrl(upstream.configuration, {
    ...upstream.policy.authorizationParams(),
    redirect_uri: upstreamCallbackUrl(issuer, upstream.name),
    scope: upstream.policy.scope,
    state: begun.state,
    nonce: begun.nonce,
    code_challenge: begun.codeChallenge,
    code_challenge_method: 'S256',
  });
}
