import type { FieldProblem } from '../errors/app-error.js';

export const SUPPORTED_GRANT_TYPES = ['authorization_code', 'refresh_token', 'client_credentials'] as const;

const UPSTREAM_NAME = /^[a-z][a-z0-9-]{0,31}$/;
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]{1,128}$/;

/**
 * A client id an operator chooses (declarative configuration): URL- and header-safe characters, which every
 * generated id (base64url, possibly starting with - or _) also is, so an exported file applies again. The
 * `latchkey-` prefix is Latchkey's own (the account page, console, playground).
 */
const CLIENT_ID = /^[A-Za-z0-9._~-]{1,128}$/;

/** Why `clientId` cannot name a client an operator registers; undefined when it can. */
export function clientIdProblem(clientId: string): string | undefined {
  if (!CLIENT_ID.test(clientId)) return 'letters, digits and . _ ~ - (1-128)';
  if (clientId.startsWith('latchkey-')) return 'the latchkey- prefix is reserved for Latchkey\'s own clients';
  return undefined;
}

/** A client's settings as `client create` and `client update` receive them, before they are stored. */
export interface ClientFields {
  name: string;
  isPublic: boolean;
  grantTypes: readonly string[];
  redirectUris: readonly string[];
  postLogoutRedirectUris: readonly string[];
  scopes: readonly string[];
  /** undefined: every provider. */
  upstreams: readonly string[] | undefined;
}

export function validRedirectUri(uri: string, publicClient: boolean): boolean {
  try {
    const url = new URL(uri);
    if (url.hash) return false;
    if (url.protocol === 'https:') return true;
    // Plain http only for loopback (RFC 8252 §7.3); native apps may also use private-use schemes.
    if (url.protocol === 'http:') return ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
    return publicClient && /^[a-z][a-z0-9+.-]*\.[a-z0-9+.-]+:$/.test(url.protocol);
  } catch {
    return false;
  }
}

/**
 * Every problem with a client's settings, by field: the one rule book for creating a client and for
 * changing one, so an update cannot store what creation would refuse.
 */
export function clientFieldProblems(fields: ClientFields): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (!fields.name || fields.name.length > 200) problems.push({ path: 'name', message: 'must be 1-200 characters' });
  for (const g of fields.grantTypes) {
    if (!(SUPPORTED_GRANT_TYPES as readonly string[]).includes(g)) problems.push({ path: 'grant_types', message: `unsupported grant type "${g}"` });
  }
  if (fields.isPublic && fields.grantTypes.includes('client_credentials')) problems.push({ path: 'grant_types', message: 'a public client cannot use client_credentials' });
  if (fields.grantTypes.includes('authorization_code') && fields.redirectUris.length === 0) problems.push({ path: 'redirect_uris', message: 'at least one is required for authorization_code' });
  for (const uri of [...fields.redirectUris, ...fields.postLogoutRedirectUris]) {
    if (!validRedirectUri(uri, fields.isPublic)) problems.push({ path: 'redirect_uris', message: `"${uri}" must be https, loopback http, or (public clients) a private-use scheme, without fragment` });
  }
  for (const s of fields.scopes) {
    if (!SCOPE_TOKEN.test(s)) problems.push({ path: 'scope', message: `invalid scope "${s}"` });
  }
  if (fields.grantTypes.includes('authorization_code') && !fields.scopes.includes('openid')) problems.push({ path: 'scope', message: 'must include openid for sign-in clients' });
  for (const u of fields.upstreams ?? []) {
    if (!UPSTREAM_NAME.test(u)) problems.push({ path: 'providers', message: `"${u}" is not a provider name (a lower-case letter, then lower-case letters, digits or -)` });
  }
  if (fields.upstreams && fields.upstreams.length > 64) problems.push({ path: 'providers', message: 'at most 64 providers' });
  return problems;
}
