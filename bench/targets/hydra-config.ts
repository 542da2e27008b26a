/**
 * The configuration file Ory Hydra v2.3.0 runs with in the benchmark. Keys are those of Hydra's
 * `spec/config.json` (v2.3.0); the file is JSON, which Hydra reads by its `.json` extension.
 */

/** `defaults`: Hydra's own hasher and signing keys. `matched`: the same cost of work as Latchkey's. */
export type HydraCrypto = 'defaults' | 'matched';

export interface HydraConfigInput {
  dsn: string;
  publicPort: number;
  adminPort: number;
  loginUrl: string;
  consentUrl: string;
  systemSecret: string;
  crypto: HydraCrypto;
}

/**
 * The DSN Hydra connects with: the given database plus pool settings. Hydra's pool (ory/x `sqlcon/parse_opts.go`)
 * defaults to `max_conns` = 2 × CPUs and `max_idle_conns` = CPUs, 4 and 2 on two cores: 16 concurrent grants
 * then wait on the pool until they time out. 40 open connections, all of them allowed to stay idle, so that the
 * pool does not reconnect between bursts (Latchkey's `pg` pool keeps its connections too). The pool must stay
 * above the load's concurrency: client credentials grants ran at 40 concurrent and all hung at 48.
 */
export function hydraDsn(databaseUrl: string): string {
  const url = new URL(databaseUrl);
  url.searchParams.set('max_conns', '40');
  url.searchParams.set('max_idle_conns', '40');
  if (!url.searchParams.has('sslmode')) url.searchParams.set('sslmode', 'disable');
  return url.toString();
}

/**
 * Hydra's defaults, for `crypto: 'defaults'` (v2.3.0):
 * - client secrets: PBKDF2-HMAC-SHA256, 25,000 iterations, 16-byte salt, 32-byte key (`oauth2.hashers.algorithm`
 *   default `pbkdf2` and `oauth2.hashers.pbkdf2.iterations` default 25000 in `spec/config.json`; salt, key length
 *   and digest in `driver/config/provider.go` `HasherPBKDF2Config`). Every client authentication at the token and
 *   revocation endpoints runs it once.
 * - signing keys: RSA-4096 RS256 for both `hydra.jwt.access-token` and `hydra.openid.id-token`, generated on first
 *   use (`jwk/generate.go` `GenerateJWK`: 4096 bits for RS256; `jwk/jwt_strategy.go` asks for RS256).
 *
 * `crypto: 'matched'` sets PBKDF2 to 1 iteration (one HMAC-SHA256 over the secret, the order of Latchkey's single
 * SHA-256 of a high-entropy secret); the RSA-2048 keys are installed through the admin API (`hydra-keys.ts`).
 */
export function hydraConfig(input: HydraConfigInput): Record<string, unknown> {
  const issuer = `http://127.0.0.1:${input.publicPort}`;
  return {
    dsn: input.dsn,
    log: { level: 'error', format: 'json' },
    serve: {
      public: { host: '127.0.0.1', port: input.publicPort, request_log: { disable_for_health: true } },
      admin: { host: '127.0.0.1', port: input.adminPort, request_log: { disable_for_health: true } },
    },
    urls: {
      self: { issuer, public: issuer },
      login: input.loginUrl,
      consent: input.consentUrl,
    },
    secrets: { system: [input.systemSecret] },
    // JWT access tokens, as Latchkey and the bare provider issue (RFC 9068 style), rather than Hydra's opaque default.
    strategies: { access_token: 'jwt' },
    ...(input.crypto === 'matched' ? { oauth2: { hashers: { algorithm: 'pbkdf2', pbkdf2: { iterations: 1 } } } } : {}),
    // No anonymous usage reports from a benchmark run.
    sqa: { opt_out: true },
  };
}
