import type { AppleConfig } from '../../config/federation-config.js';
import type { Clock } from '../../lib/clock.js';
import { CLAIMS_OK, stringClaim, type UpstreamClaims, type UpstreamPolicy, type UpstreamProfile } from '../upstream-policy.js';
import { createAppleClientSecretSource } from './apple-client-secret.js';

/** Longest `user` form field accepted; Apple's is a few hundred bytes, anything far larger is not Apple's. */
export const APPLE_USER_FIELD_MAX = 4096;
const NAME_MAX = 200;

/**
 * Apple sends some booleans as JSON booleans and others as the strings "true"/"false" (`email_verified`,
 * `is_private_email`; Auth.js `AppleProfile`). Returns the boolean, or undefined for anything else.
 */
export function appleBoolean(value: unknown): boolean | undefined {
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  return undefined;
}

/** The claims with Apple's string booleans turned into booleans, for storing and for group rules. */
export function normalizeAppleClaims(claims: UpstreamClaims): UpstreamClaims {
  const normalized: Record<string, unknown> = { ...claims };
  for (const name of ['email_verified', 'is_private_email']) {
    if (name in normalized) {
      const value = appleBoolean(normalized[name]);
      if (value === undefined) delete normalized[name];
      else normalized[name] = value;
    }
  }
  return normalized;
}

/** The name from Apple's first-login `user` field. */
export interface AppleUserName {
  readonly firstName?: string;
  readonly lastName?: string;
}

function cleanName(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  // Control characters have no place in a display name and could forge log lines or headers.
  if (trimmed === '' || trimmed.length > NAME_MAX || /\p{Cc}/u.test(trimmed)) return undefined;
  return trimmed;
}

/**
 * Parses the `user` form field Apple posts with the first authorization only (JSON
 * `{ "name": { "firstName", "lastName" }, "email" }`; Auth.js Apple provider docs). The field arrives beside
 * the signed ID token, unsigned, so only the name is taken: its `email` is ignored (the token's is used).
 * Oversized, malformed or oddly shaped input yields null or the parts that are plain strings.
 */
export function parseAppleUser(raw: string | undefined): AppleUserName | null {
  if (raw === undefined || raw.length === 0 || raw.length > APPLE_USER_FIELD_MAX) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return null;
  }
  if (typeof parsed !== 'object' || parsed === null || !('name' in parsed)) return null;
  const name = parsed.name;
  if (typeof name !== 'object' || name === null) return null;
  const firstName = cleanName('firstName' in name ? name.firstName : undefined);
  const lastName = cleanName('lastName' in name ? name.lastName : undefined);
  if (firstName === undefined && lastName === undefined) return null;
  return { ...(firstName !== undefined && { firstName }), ...(lastName !== undefined && { lastName }) };
}

/**
 * Sign in with Apple's rules: `form_post` (mandatory with the `name` and `email` scopes), a client secret
 * that Latchkey signs and renews itself, string booleans, and the name taken from the first-login `user`
 * field. A private-relay address is an ordinary verified address: relay domains are not special-cased, as
 * Apple has used more than one.
 */
export function applePolicy(config: Pick<AppleConfig, 'clientId' | 'teamId' | 'keyId' | 'privateKey'>, deps: { clock: Clock }): UpstreamPolicy {
  const secrets = createAppleClientSecretSource({ teamId: config.teamId, keyId: config.keyId, servicesId: config.clientId, privateKey: config.privateKey, clock: deps.clock });
  const params = Object.freeze({ response_mode: 'form_post' });

  const profile = (claims: UpstreamClaims, extra?: { appleUser?: string }): UpstreamProfile => {
    const result: { name?: string; given_name?: string; family_name?: string; email?: string } = {};
    const user = parseAppleUser(extra?.appleUser);
    if (user?.firstName !== undefined) result.given_name = user.firstName;
    if (user?.lastName !== undefined) result.family_name = user.lastName;
    if (user !== null) result.name = [user.firstName, user.lastName].filter(Boolean).join(' ');
    const email = stringClaim(claims, 'email');
    if (email !== undefined) result.email = email;
    return result;
  };

  return Object.freeze({
    kind: 'apple',
    scope: 'openid name email',
    authorizationParams: () => params,
    normalizeClaims: normalizeAppleClaims,
    clientAuthentication: async () => ({ method: 'client_secret_post' as const, clientSecret: await secrets.current() }),
    checkClaims: () => CLAIMS_OK,
    verifiedEmail: (claims: UpstreamClaims) =>
      appleBoolean(claims['email_verified']) === true ? (stringClaim(claims, 'email') ?? null) : null,
    profile,
  });
}
