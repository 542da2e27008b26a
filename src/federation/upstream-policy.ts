/**
 * What differs between upstream identity providers, as one small hook interface the generic federation flow
 * calls. The flow owns the protocol (discovery, PKCE, state, nonce, ID token validation through
 * openid-client); a policy owns the provider's quirks: extra authorization parameters, how the client
 * authenticates, which validated tokens are acceptable, whether its `email` may be trusted for linking, and
 * how its claims become a profile. Policies are pure apart from `clientAuthentication` (Apple signs a JWT),
 * so each rule is unit-tested without a network.
 *
 * Order of use in the flow, per sign-in:
 * 1. `authorizationParams()` and `scope` go into `buildAuthorizationUrl`.
 * 2. `clientAuthentication()` is called right before each token exchange (never cached by the caller: Apple's
 *    secret is renewed by the policy itself).
 * 3. After openid-client has validated the ID token: `normalizeClaims(claims)` if defined, then `checkClaims(claims)`; a refusal ends the interaction
 *    with `access_denied` and its `reason` as the description, creating or linking nothing.
 * 4. `verifiedEmail(claims)` decides whether automatic linking by e-mail may even be considered.
 * 5. `profile(claims, extra)` maps the claims to the new user's profile.
 */

/** Which provider-specific rules a policy applies; `oidc` is any generic OpenID Provider. */
export type UpstreamKind = 'oidc' | 'google' | 'microsoft' | 'apple';

/** The validated ID token claims (openid-client's `claims()`), merged with userinfo if the flow fetched it. */
export type UpstreamClaims = Readonly<Record<string, unknown>>;

/** Whether a validated token is acceptable for this deployment; `reason` is safe to show to the user and app. */
export type ClaimCheck = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/** The accepted result of a claim check, shared so policies don't allocate one each time. */
export const CLAIMS_OK: ClaimCheck = Object.freeze({ ok: true });

/**
 * How the client authenticates at the upstream token endpoint. Every supported provider takes
 * `client_secret_post` (Apple requires it); build `client.ClientSecretPost(clientSecret)` from it.
 */
export interface ClientAuthentication {
  readonly method: 'client_secret_post';
  readonly clientSecret: string;
}

/** Profile attributes mapped from upstream claims. Never a source of verified e-mail: see `verifiedEmail`. */
export interface UpstreamProfile {
  readonly name?: string;
  readonly given_name?: string;
  readonly family_name?: string;
  /** The address the upstream reported, for display and contact only (unverified unless `verifiedEmail` says so). */
  readonly email?: string;
}

/** Data that arrives beside the ID token rather than in it. */
export interface ProfileExtras {
  /** Apple's first-login `user` form field, raw (JSON text); absent on later sign-ins. */
  readonly appleUser?: string;
}

/** The per-provider hooks the federation flow calls. */
export interface UpstreamPolicy {
  readonly kind: UpstreamKind;
  /** The `scope` to request, space-separated, always including `openid`. */
  readonly scope: string;
  /** Extra authorization request parameters (Apple's `response_mode=form_post`, Google's `hd` hint). */
  authorizationParams(): Readonly<Record<string, string>>;
  /** The client credentials for the next token request. */
  clientAuthentication(): Promise<ClientAuthentication>;
  /**
   * Optional: the validated claims in standard shapes, before any other hook sees them (Apple's string
   * booleans become booleans), so stored claims and group rules compare like with like.
   */
  normalizeClaims?(claims: UpstreamClaims): UpstreamClaims;
  /** Deployment rules on the validated claims (Google `hd`, Entra `tid` allow-lists). */
  checkClaims(claims: UpstreamClaims): ClaimCheck;
  /**
   * The e-mail address, only when this provider is trusted to have verified it and the token says it did;
   * otherwise null. Only a non-null result may ever lead to automatic linking with a local account.
   */
  verifiedEmail(claims: UpstreamClaims): string | null;
  /** The profile for a user created from this identity. */
  profile(claims: UpstreamClaims, extra?: ProfileExtras): UpstreamProfile;
}

/** A non-empty trimmed string claim, or undefined. Upstream claims are untrusted in shape. */
export function stringClaim(claims: UpstreamClaims, name: string): string | undefined {
  const value = claims[name];
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}

/** The standard OpenID Connect profile claims that are present as non-empty strings. */
export function standardProfile(claims: UpstreamClaims): UpstreamProfile {
  const profile: { name?: string; given_name?: string; family_name?: string; email?: string } = {};
  const name = stringClaim(claims, 'name');
  const given = stringClaim(claims, 'given_name');
  const family = stringClaim(claims, 'family_name');
  const email = stringClaim(claims, 'email');
  if (name !== undefined) profile.name = name;
  if (given !== undefined) profile.given_name = given;
  if (family !== undefined) profile.family_name = family;
  if (email !== undefined) profile.email = email;
  return profile;
}

/** Options of a generic OpenID Provider, as stored by `latchkey provider add`. */
export interface GenericOidcPolicyOptions {
  /** Whether an administrator marked this provider as verifying e-mail (its `email_verified` is then honoured). */
  readonly trustsEmailVerification: boolean;
  readonly clientSecret: string;
  /** Defaults to `openid email profile`. */
  readonly scope?: string;
}

/**
 * The policy for any standards-following OpenID Provider: no extra parameters, no claim rules, and the
 * e-mail trusted only if the administrator said so and `email_verified` is the boolean `true` (OIDC Core
 * §5.1 defines it as a boolean; a string is not accepted from a generic provider).
 */
export function genericOidcPolicy(options: GenericOidcPolicyOptions): UpstreamPolicy {
  const auth: ClientAuthentication = Object.freeze({ method: 'client_secret_post', clientSecret: options.clientSecret });
  return Object.freeze({
    kind: 'oidc',
    scope: options.scope ?? 'openid email profile',
    authorizationParams: () => ({}),
    clientAuthentication: () => Promise.resolve(auth),
    checkClaims: () => CLAIMS_OK,
    verifiedEmail: (claims: UpstreamClaims) =>
      options.trustsEmailVerification && claims['email_verified'] === true ? (stringClaim(claims, 'email') ?? null) : null,
    profile: (claims: UpstreamClaims) => standardProfile(claims),
  });
}
