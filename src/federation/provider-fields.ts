import { InvalidRequestError, type FieldProblem } from '../errors/app-error.js';

/** A stored provider's name (as the `federation_group_rules.provider` CHECK says). */
export const PROVIDER_NAME = /^[a-z][a-z0-9-]{0,31}$/;
const SCOPE_PATTERN = /^[\x21\x23-\x5b\x5d-\x7e]+( [\x21\x23-\x5b\x5d-\x7e]+)*$/; // RFC 6749 §3.3 scope-token
export const DEFAULT_PROVIDER_SCOPE = 'openid email profile';

export function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127(\.\d{1,3}){3}$/.test(hostname);
}

/**
 * The issuer as a URL: https, or (outside production) loopback http for test upstreams; no query, fragment
 * or credentials. Throws InvalidRequestError on `issuer` otherwise.
 */
export function checkedIssuer(value: string, production: boolean): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidRequestError('invalid provider', [{ path: 'issuer', message: 'is not a URL' }]);
  }
  const loopbackAllowed = !production && isLoopbackHost(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopbackAllowed)) {
    throw new InvalidRequestError('invalid provider', [{ path: 'issuer', message: 'must be an https URL' }]);
  }
  if (url.search || url.hash || url.username || url.password) {
    throw new InvalidRequestError('invalid provider', [{ path: 'issuer', message: 'may not have a query, fragment or credentials' }]);
  }
  return url;
}

/** Problems with the settings adding and changing a provider share, by field. */
export function providerSettingProblems(fields: { clientId: string; scope: string; displayName: string }): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (!fields.clientId || fields.clientId.length > 512) problems.push({ path: 'client_id', message: 'is required (at most 512 characters)' });
  if (!SCOPE_PATTERN.test(fields.scope) || !fields.scope.split(' ').includes('openid') || fields.scope.length > 1024) problems.push({ path: 'scope', message: 'must be space-separated scopes including openid' });
  if (!fields.displayName || fields.displayName.length > 100) problems.push({ path: 'display_name', message: 'must be 1-100 characters' });
  return problems;
}
