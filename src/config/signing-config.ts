/** The JWS algorithms Latchkey signs with: RSA (what every library verifies), P-256 and Ed25519. */
export const SIGNING_ALGORITHMS = ['RS256', 'ES256', 'EdDSA'] as const;
export type SigningAlgorithm = (typeof SIGNING_ALGORITHMS)[number];

/** Token signing keys: which algorithms, and how they rotate. */
export interface SigningConfig {
  /**
   * `LATCHKEY_SIGNING_ALGS`: comma-separated, from RS256, ES256 and EdDSA (default RS256). Each has a signing
   * key, all are published; the first signs access tokens and is every app's ID token default, and an app
   * registered with `id_token_signed_response_alg` naming another listed one gets that one.
   */
  readonly algorithms: readonly SigningAlgorithm[];
  /**
   * `LATCHKEY_KEY_ROTATION_DAYS`: how long a key signs before a scheduled rotation replaces it (default 90;
   * 0 turns the schedule off, leaving `latchkey keys rotate`).
   */
  readonly rotationDays: number;
  /**
   * `LATCHKEY_KEY_PUBLISH_AHEAD_SECONDS`: how long a scheduled key is published before it signs (default a
   * day). Relying parties that refresh the JWKS on a timer instead of on an unknown `kid` hold their copy for
   * hours (.NET's configuration manager: 12 h), so a day lets every common cache pick the key up first. It
   * must exceed the JWKS' own max-age (at most a minute) plus `LATCHKEY_KEY_REFRESH_SECONDS`.
   */
  readonly publishAheadSeconds: number;
}

export const DEFAULT_PUBLISH_AHEAD_SECONDS = 86_400;
const MAX_ROTATION_DAYS = 3650;
const MAX_PUBLISH_AHEAD_SECONDS = 30 * 86_400;

function wholeNumber(name: string, raw: string | undefined, fallback: number, min: number, max: number, unit: string, problems: string[]): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    problems.push(`${name}: must be a whole number from ${min} to ${max} (${unit})`);
    return fallback;
  }
  return value;
}

/**
 * Reads the signing-key settings from the (blank-stripped) environment, adding a problem naming the variable
 * for each bad value. `keyRefreshSeconds` is how late a replica may see a key: publish-ahead must cover it.
 */
export function loadSigningConfig(env: Readonly<Record<string, string | undefined>>, problems: string[], keyRefreshSeconds: number): SigningConfig {
  const listed = (env.LATCHKEY_SIGNING_ALGS ?? 'RS256').split(',').map((alg) => alg.trim()).filter(Boolean);
  const algorithms: SigningAlgorithm[] = [];
  for (const alg of listed) {
    if (!(SIGNING_ALGORITHMS as readonly string[]).includes(alg)) problems.push(`LATCHKEY_SIGNING_ALGS: "${alg}" is not one of ${SIGNING_ALGORITHMS.join(', ')}`);
    else if (algorithms.includes(alg as SigningAlgorithm)) problems.push(`LATCHKEY_SIGNING_ALGS: "${alg}" is listed twice`);
    else algorithms.push(alg as SigningAlgorithm);
  }
  if (!listed.length) problems.push('LATCHKEY_SIGNING_ALGS: must name at least one algorithm');
  const rotationDays = wholeNumber('LATCHKEY_KEY_ROTATION_DAYS', env.LATCHKEY_KEY_ROTATION_DAYS, 90, 0, MAX_ROTATION_DAYS, 'days; 0: no scheduled rotation', problems);
  const publishAheadSeconds = wholeNumber('LATCHKEY_KEY_PUBLISH_AHEAD_SECONDS', env.LATCHKEY_KEY_PUBLISH_AHEAD_SECONDS, DEFAULT_PUBLISH_AHEAD_SECONDS, 60, MAX_PUBLISH_AHEAD_SECONDS, 'seconds', problems);
  if (publishAheadSeconds <= 2 * keyRefreshSeconds) {
    problems.push('LATCHKEY_KEY_PUBLISH_AHEAD_SECONDS: must be more than twice LATCHKEY_KEY_REFRESH_SECONDS (every replica must publish a key before any signs with it)');
  }
  if (rotationDays > 0 && rotationDays * 86_400 <= publishAheadSeconds) {
    problems.push('LATCHKEY_KEY_PUBLISH_AHEAD_SECONDS: must be shorter than LATCHKEY_KEY_ROTATION_DAYS');
  }
  return { algorithms: algorithms.length ? algorithms : ['RS256'], rotationDays, publishAheadSeconds };
}
