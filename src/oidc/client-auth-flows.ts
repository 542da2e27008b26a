import { InvalidRequestError } from '../errors/app-error.js';

/**
 * Which of the Cognito API's sign-in flows an app client may use, as Cognito's ExplicitAuthFlows: kept in the
 * client's metadata as `latchkey_explicit_auth_flows` with Cognito's `ALLOW_*` names (not provider metadata;
 * the Cognito operations read it). Absent: Cognito's default for a new app client, SRP and refresh only, so
 * a password sent in the clear (USER_PASSWORD_AUTH) is something an operator turns on per client.
 */
export const AUTH_FLOWS = {
  user_password: 'ALLOW_USER_PASSWORD_AUTH',
  user_srp: 'ALLOW_USER_SRP_AUTH',
  refresh_token: 'ALLOW_REFRESH_TOKEN_AUTH',
  // AdminInitiateAuth's ADMIN_USER_PASSWORD_AUTH: a back end holding an admin client's access key signs in a user.
  admin_user_password: 'ALLOW_ADMIN_USER_PASSWORD_AUTH',
} as const;

export type AuthFlow = (typeof AUTH_FLOWS)[keyof typeof AUTH_FLOWS];

export const DEFAULT_AUTH_FLOWS: readonly AuthFlow[] = ['ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'];

const KNOWN = new Set<string>(Object.values(AUTH_FLOWS));

/** The flows a client's stored metadata allows. */
export function authFlowsOf(metadata: Record<string, unknown>): AuthFlow[] {
  const stored = metadata.latchkey_explicit_auth_flows;
  if (!Array.isArray(stored)) return [...DEFAULT_AUTH_FLOWS];
  return stored.filter((flow): flow is AuthFlow => typeof flow === 'string' && KNOWN.has(flow));
}

/**
 * `--auth-flows user_password,refresh_token` (short names, or Cognito's `ALLOW_*` names); `none` allows no
 * Cognito sign-in. Unknown names are refused, listing the known ones.
 */
export function parseAuthFlows(list: string | readonly string[]): AuthFlow[] {
  const names = (typeof list === 'string' ? list.split(',') : [...list]).map((name) => name.trim()).filter(Boolean);
  if (names.length === 1 && names[0] === 'none') return [];
  const flows: AuthFlow[] = [];
  const unknown: string[] = [];
  for (const name of names) {
    const flow = (AUTH_FLOWS as Record<string, AuthFlow>)[name] ?? (KNOWN.has(name) ? name as AuthFlow : undefined);
    if (flow) flows.push(flow);
    else unknown.push(name);
  }
  if (unknown.length || names.length === 0) {
    throw new InvalidRequestError('invalid client', [{ path: 'auth_flows', message: `must be a comma-separated list of ${Object.keys(AUTH_FLOWS).join(', ')} (or none)${unknown.length ? `, not ${unknown.join(', ')}` : ''}` }]);
  }
  return [...new Set(flows)];
}

/** The metadata entry for `flows`: nothing when they are the default, so defaults can change with Cognito's. */
export function authFlowsMetadata(flows: readonly AuthFlow[] | undefined): Record<string, unknown> {
  if (!flows) return {};
  const same = flows.length === DEFAULT_AUTH_FLOWS.length && DEFAULT_AUTH_FLOWS.every((flow) => flows.includes(flow));
  return same ? {} : { latchkey_explicit_auth_flows: [...flows] };
}
