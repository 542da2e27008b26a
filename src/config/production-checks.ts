/**
 * What the development stack's secret generator prefixes its secrets with. Such a secret was made for a laptop
 * and may sit in a shared volume or a demo's files, so production refuses it.
 */
export const DEVELOPMENT_SECRET_PREFIX = 'dev-';
/** Shorter than this, a secret cannot hold the 128+ bits HMAC and HKDF keys need. */
const MIN_SECRET_LENGTH = 32;

/** A development secret: one the development stack generated (`dev-…`), or one too short for production. */
export function isDevelopmentSecret(secret: string): boolean {
  return secret.startsWith(DEVELOPMENT_SECRET_PREFIX) || secret.length < MIN_SECRET_LENGTH;
}

/** The settings the production checks read, as the environment gave them (undefined: unset). */
export interface ProductionSettings {
  databaseUrl: string | undefined;
  secrets: readonly string[] | null;
  issuer: string | undefined;
  allowHttpIssuer: boolean;
}

/**
 * Why Latchkey must not start with NODE_ENV=production on these settings, one line per variable (empty: it
 * may). A missing `LATCHKEY_SECRET` and an open `/metrics` are refused where those are read.
 */
export function productionProblems(settings: ProductionSettings): string[] {
  const problems: string[] = [];
  if (settings.databaseUrl === undefined) {
    problems.push('DATABASE_URL: required when NODE_ENV=production (the embedded database is one process on one disk, made for development; use Postgres)');
  }
  // Every listed secret, not only the first: any of them still verifies cookies and opens sealed keys.
  if (settings.secrets?.some(isDevelopmentSecret)) {
    problems.push(`LATCHKEY_SECRET: a development secret (starting with "${DEVELOPMENT_SECRET_PREFIX}", as the development stack generates them, or shorter than ${MIN_SECRET_LENGTH} characters) cannot be used when NODE_ENV=production; generate a new one (openssl rand -base64 48)`);
  }
  if (!settings.allowHttpIssuer) {
    if (settings.issuer === undefined) {
      problems.push('LATCHKEY_ISSUER: required when NODE_ENV=production (the public https URL apps and tokens see)');
    } else if (new URL(settings.issuer).protocol === 'http:') {
      problems.push('LATCHKEY_ISSUER: must be https when NODE_ENV=production (codes, tokens and session cookies would cross the network in clear); set LATCHKEY_ALLOW_HTTP_ISSUER=true only if TLS ends elsewhere on purpose');
    }
  }
  return problems;
}
