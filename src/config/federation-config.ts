import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';

/**
 * The upstream identity providers configured by the environment: Google, Microsoft Entra ID and Apple.
 * Each is all-or-nothing (setting any of its variables configures it, and every missing one is named) and
 * null when none of its variables is set. Generic OIDC providers are not here: they live in the database.
 */
export interface FederationConfig {
  readonly google: GoogleConfig | null;
  readonly microsoft: MicrosoftConfig | null;
  readonly apple: AppleConfig | null;
}

/** Google (`GOOGLE_*`). */
export interface GoogleConfig {
  /** `GOOGLE_CLIENT_ID`. */
  readonly clientId: string;
  /** `GOOGLE_CLIENT_SECRET`. */
  readonly clientSecret: string;
  /** `GOOGLE_ISSUER`: default `https://accounts.google.com`; tests point it at a fake. */
  readonly issuer: string;
  /**
   * `GOOGLE_HOSTED_DOMAINS`: comma-separated Workspace domains, lower-cased. Empty means any Google account.
   * Checked against the ID token's `hd` claim; an account without `hd` (a personal one) is then refused.
   */
  readonly hostedDomains: readonly string[];
}

/** Microsoft Entra ID (`MICROSOFT_*`). */
export interface MicrosoftConfig {
  /** `MICROSOFT_CLIENT_ID`: the application (client) ID. */
  readonly clientId: string;
  /** `MICROSOFT_CLIENT_SECRET`. */
  readonly clientSecret: string;
  /** `MICROSOFT_TENANT`: `common`, `organizations`, `consumers` or a tenant GUID (lower-cased; default `common`). */
  readonly tenant: string;
  /** `MICROSOFT_ISSUER`: default `https://login.microsoftonline.com/<tenant>/v2.0`. */
  readonly issuer: string;
  /**
   * The `tid` values accepted, from `MICROSOFT_ALLOWED_TENANTS` (comma-separated GUIDs, or `*` for any
   * tenant). Required for `common` and `organizations` in every environment, because their issuer template
   * accepts a token from any tenant in the world; a tenant GUID or `consumers` implies its own tenant.
   */
  readonly allowedTenants: 'any' | readonly string[];
}

/** Sign in with Apple (`APPLE_*`). */
export interface AppleConfig {
  /** `APPLE_CLIENT_ID`: the Services ID, which is also the ID token's audience. */
  readonly clientId: string;
  /** `APPLE_TEAM_ID`: the 10-character Team ID, the client secret's `iss`. */
  readonly teamId: string;
  /** `APPLE_KEY_ID`: the 10-character ID of the Sign in with Apple key, the client secret's `kid`. */
  readonly keyId: string;
  /**
   * The key's PKCS#8 PEM (the `.p8` file), from `APPLE_PRIVATE_KEY` (PEM text; `\n` escapes allowed) or
   * `APPLE_PRIVATE_KEY_FILE` (a path read at start-up). Validated as an EC P-256 private key at load.
   */
  readonly privateKey: string;
  /** `APPLE_ISSUER`: default `https://appleid.apple.com`. */
  readonly issuer: string;
}

/** Personal Microsoft accounts all carry this `tid` (Entra ID token claims reference). */
export const MICROSOFT_CONSUMERS_TENANT = '9188040d-6c67-4c5b-b112-36a304b66dad';

/** Reads a text file; replaceable so tests can hand in a key without a file. */
export type ReadTextFile = (path: string) => string;

const defaultReadTextFile: ReadTextFile = (path) => readFileSync(path, 'utf8');

type Env = Readonly<Record<string, string | undefined>>;

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const DOMAIN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
const APPLE_ID = /^[A-Z0-9]{10}$/;

/**
 * Reads the `GOOGLE_*`, `MICROSOFT_*` and `APPLE_*` variables (blank ones already removed), appending every
 * problem, each naming its variable, to `problems`. The only disk access is `APPLE_PRIVATE_KEY_FILE`.
 * Problem texts never include a secret's value.
 */
export function loadFederationConfig(env: Env, problems: string[], production: boolean, readTextFile: ReadTextFile = defaultReadTextFile): FederationConfig {
  return {
    google: loadGoogle(env, problems, production),
    microsoft: loadMicrosoft(env, problems, production),
    apple: loadApple(env, problems, production, readTextFile),
  };
}

/** Whether a provider is configured at all, and which of its required variables are missing. */
function requireAll(env: Env, problems: string[], prefix: string, all: readonly string[], required: readonly string[]): boolean {
  if (!all.some((name) => env[name] !== undefined)) return false;
  const missing = required.filter((name) => env[name] === undefined);
  for (const name of missing) problems.push(`${name}: required when any ${prefix}_* variable is set`);
  return missing.length === 0;
}

function issuerUrl(env: Env, problems: string[], name: string, fallback: string, production: boolean): string {
  const value = env[name];
  if (value === undefined) return fallback;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    problems.push(`${name}: must be an absolute URL`);
    return fallback;
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && !production)) {
    problems.push(`${name}: must be an https URL${production ? ' in production' : ''}`);
  } else if (url.search || url.hash) {
    problems.push(`${name}: must have no query or fragment`);
  }
  // Issuers are compared as exact strings (OIDC Discovery §4.3), so the value is kept as written.
  return value;
}

function commaList(value: string | undefined): string[] {
  return (value ?? '').split(',').map((s) => s.trim()).filter(Boolean);
}

function loadGoogle(env: Env, problems: string[], production: boolean): GoogleConfig | null {
  const all = ['GOOGLE_CLIENT_ID', 'GOOGLE_CLIENT_SECRET', 'GOOGLE_ISSUER', 'GOOGLE_HOSTED_DOMAINS'];
  if (!requireAll(env, problems, 'GOOGLE', all, ['GOOGLE_CLIENT_ID', 'GOOGLE_CLIENT_SECRET'])) return null;
  const hostedDomains = commaList(env['GOOGLE_HOSTED_DOMAINS']).map((d) => d.toLowerCase());
  for (const domain of hostedDomains) {
    if (!DOMAIN.test(domain)) problems.push(`GOOGLE_HOSTED_DOMAINS: "${domain}" is not a domain name`);
  }
  return {
    clientId: env['GOOGLE_CLIENT_ID'] ?? '',
    clientSecret: env['GOOGLE_CLIENT_SECRET'] ?? '',
    issuer: issuerUrl(env, problems, 'GOOGLE_ISSUER', 'https://accounts.google.com', production),
    hostedDomains,
  };
}

function loadMicrosoft(env: Env, problems: string[], production: boolean): MicrosoftConfig | null {
  const all = ['MICROSOFT_CLIENT_ID', 'MICROSOFT_CLIENT_SECRET', 'MICROSOFT_TENANT', 'MICROSOFT_ISSUER', 'MICROSOFT_ALLOWED_TENANTS'];
  if (!requireAll(env, problems, 'MICROSOFT', all, ['MICROSOFT_CLIENT_ID', 'MICROSOFT_CLIENT_SECRET'])) return null;
  const tenant = (env['MICROSOFT_TENANT'] ?? 'common').toLowerCase();
  const multiTenant = tenant === 'common' || tenant === 'organizations';
  if (!multiTenant && tenant !== 'consumers' && !GUID.test(tenant)) {
    problems.push('MICROSOFT_TENANT: must be common, organizations, consumers or a tenant ID (a GUID)');
  }
  const listed = env['MICROSOFT_ALLOWED_TENANTS']?.trim();
  let allowedTenants: 'any' | string[];
  if (multiTenant) {
    if (listed === undefined) {
      problems.push(`MICROSOFT_ALLOWED_TENANTS: required with MICROSOFT_TENANT=${tenant} (tenant IDs, or * to accept any tenant)`);
      allowedTenants = [];
    } else if (listed === '*') {
      allowedTenants = 'any';
    } else {
      allowedTenants = commaList(listed).map((t) => t.toLowerCase());
      for (const id of allowedTenants) {
        if (!GUID.test(id)) problems.push(`MICROSOFT_ALLOWED_TENANTS: "${id}" is not a tenant ID (a GUID)`);
      }
      if (allowedTenants.length === 0) problems.push('MICROSOFT_ALLOWED_TENANTS: must list at least one tenant ID, or be *');
    }
  } else {
    // A single-tenant or consumers authority issues tokens for one tenant only; a list could only contradict it.
    const own = tenant === 'consumers' ? MICROSOFT_CONSUMERS_TENANT : tenant;
    allowedTenants = [own];
    const extra = commaList(listed).map((t) => t.toLowerCase()).filter((t) => t !== own);
    if (extra.length > 0) problems.push(`MICROSOFT_ALLOWED_TENANTS: with MICROSOFT_TENANT=${tenant} only that tenant can sign in; remove ${extra.join(', ')}`);
  }
  return {
    clientId: env['MICROSOFT_CLIENT_ID'] ?? '',
    clientSecret: env['MICROSOFT_CLIENT_SECRET'] ?? '',
    tenant,
    issuer: issuerUrl(env, problems, 'MICROSOFT_ISSUER', `https://login.microsoftonline.com/${tenant}/v2.0`, production),
    allowedTenants,
  };
}

function loadApple(env: Env, problems: string[], production: boolean, readTextFile: ReadTextFile): AppleConfig | null {
  const all = ['APPLE_CLIENT_ID', 'APPLE_TEAM_ID', 'APPLE_KEY_ID', 'APPLE_PRIVATE_KEY', 'APPLE_PRIVATE_KEY_FILE', 'APPLE_ISSUER'];
  const configured = requireAll(env, problems, 'APPLE', all, ['APPLE_CLIENT_ID', 'APPLE_TEAM_ID', 'APPLE_KEY_ID']);
  if (!all.some((name) => env[name] !== undefined)) return null;
  for (const name of ['APPLE_TEAM_ID', 'APPLE_KEY_ID'] as const) {
    const value = env[name];
    if (value !== undefined && !APPLE_ID.test(value)) problems.push(`${name}: must be 10 upper-case letters and digits, as Apple shows it`);
  }
  const privateKey = applePrivateKey(env, problems, readTextFile);
  const issuer = issuerUrl(env, problems, 'APPLE_ISSUER', 'https://appleid.apple.com', production);
  if (!configured || privateKey === null) return null;
  return { clientId: env['APPLE_CLIENT_ID'] ?? '', teamId: env['APPLE_TEAM_ID'] ?? '', keyId: env['APPLE_KEY_ID'] ?? '', privateKey, issuer };
}

/** The key as PEM text, checked to be an unencrypted PKCS#8 EC P-256 private key; null after a problem. */
function applePrivateKey(env: Env, problems: string[], readTextFile: ReadTextFile): string | null {
  const inline = env['APPLE_PRIVATE_KEY'];
  const file = env['APPLE_PRIVATE_KEY_FILE'];
  if (inline !== undefined && file !== undefined) {
    problems.push('APPLE_PRIVATE_KEY / APPLE_PRIVATE_KEY_FILE: set only one of them');
    return null;
  }
  if (inline === undefined && file === undefined) {
    problems.push('APPLE_PRIVATE_KEY or APPLE_PRIVATE_KEY_FILE: one is required when any APPLE_* variable is set');
    return null;
  }
  const name = inline !== undefined ? 'APPLE_PRIVATE_KEY' : 'APPLE_PRIVATE_KEY_FILE';
  let pem: string;
  if (inline !== undefined) {
    // Env files and orchestrators often cannot hold newlines, so the PEM may arrive with literal "\n".
    pem = inline.replace(/\\r\\n|\\n/g, '\n').trim();
  } else {
    try {
      pem = readTextFile(file ?? '').trim();
    } catch (error) {
      problems.push(`APPLE_PRIVATE_KEY_FILE: cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
      return null;
    }
  }
  // The messages below are fixed texts: nothing derived from the key may reach a log.
  if (!pem.startsWith('-----BEGIN PRIVATE KEY-----')) {
    problems.push(`${name}: must be the .p8 key as PKCS#8 PEM (-----BEGIN PRIVATE KEY-----)`);
    return null;
  }
  try {
    const key = createPrivateKey({ key: pem, format: 'pem' });
    if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
      problems.push(`${name}: must be an EC P-256 key (Sign in with Apple signs with ES256)`);
      return null;
    }
  } catch {
    problems.push(`${name}: is not a readable PEM private key`);
    return null;
  }
  return `${pem}\n`;
}
