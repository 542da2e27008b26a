import { statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { packageRoot } from '../lib/package-root.js';
import { loadFederationConfig, type FederationConfig, type ReadTextFile } from './federation-config.js';
import { loadSigningConfig, type SigningConfig } from './signing-config.js';
import { productionProblems } from './production-checks.js';
import { absoluteHttpUrl, envSchema } from './env-schema.js';

/**
 * Latchkey's configuration, read once from the environment at start-up.
 *
 * Every key is documented where it is declared. `loadConfig` is synchronous and pure: it never touches
 * the network nor the disk (except to read `APPLE_PRIVATE_KEY_FILE` and to see that `LATCHKEY_CONFIG` is a file), lists every problem at once, and returns a deep-frozen object, so a bad value
 * stops start-up before anything listens (oidc-provider `lib/helpers/configuration.js` does the same).
 */
export interface Config {
  /** `PORT`: TCP port of the HTTP server (default 3000). */
  readonly port: number;
  /** `HOST`: interface to bind (default 0.0.0.0; tests use 127.0.0.1). */
  readonly host: string;
  /** `LATCHKEY_ISSUER`: public URL of the issuer, no trailing slash (default `http://localhost:$PORT`). */
  readonly issuer: string;
  /** `DATABASE_URL`: a Postgres URL; unset means the embedded PGlite database in `dataDir`. */
  readonly databaseUrl: string | null;
  /**
   * `LATCHKEY_DB_PREPARED_STATEMENTS` (default true): Postgres prepares each parameterized statement once per
   * connection. Set false behind a pooler that cannot keep prepared statements (PgBouncer in transaction mode
   * before 1.21). The embedded database never prepares (db/database.ts says why).
   */
  readonly dbPreparedStatements: boolean;
  /**
   * `LATCHKEY_DATA_DIR`: where the embedded database and generated secret live, as an absolute path (default:
   * `data/` in the project's folder, wherever the command runs from).
   */
  readonly dataDir: string;
  /**
   * `LATCHKEY_SECRET`: comma-separated list; the first signs and encrypts, all verify and decrypt, so a
   * secret rotates by prepending a new one. Null means "generate and keep one in the data dir", which is
   * only allowed for the embedded database outside production.
   */
  readonly secrets: readonly string[] | null;
  /** `LATCHKEY_API_AUDIENCES`: extra resource indicators (RFC 8707) an app may ask access tokens for. */
  readonly apiAudiences: readonly string[];
  /** `LATCHKEY_ACCESS_TOKEN_TTL`: lifetime of access tokens in seconds (default 3600, as Cognito). */
  readonly accessTokenTtl: number;
  /**
   * `LATCHKEY_TRUST_PROXY`: take the client address from X-Forwarded-For (default false; set it behind a
   * reverse proxy). Host and X-Forwarded-Host/-Proto are never trusted: absolute URLs come from the issuer.
   */
  readonly trustProxy: boolean;
  /**
   * `LATCHKEY_PROXY_HOPS`: how many trusted proxies append to X-Forwarded-For (default 1). The client
   * address is the one the outermost trusted proxy saw; anything further left is client-supplied and
   * ignored, so a forged header cannot dodge per-address limits.
   */
  readonly proxyHops: number;
  /** `LATCHKEY_KEY_REFRESH_SECONDS`: how often a replica checks for rotated signing keys (default 30). */
  readonly keyRefreshSeconds: number;
  /** Token signing algorithms and key rotation (`LATCHKEY_SIGNING_ALGS`, `LATCHKEY_KEY_*`; see signing-config.ts). */
  readonly signing: SigningConfig;
  /**
   * The identity pool's object store (MinIO). Null when `S3_ENDPOINT` is unset: the credentials endpoints
   * then answer 503 with a clear message.
   */
  readonly s3: {
    /** `S3_ENDPOINT`: MinIO's URL, where Latchkey calls STS AssumeRole and the revoke-tokens admin API. */
    readonly endpoint: string;
    /** `S3_REGION`: SigV4 region (default us-east-1). */
    readonly region: string;
    /** `S3_STS_ACCESS_KEY` / `S3_STS_SECRET_KEY`: the dedicated MinIO user whose policy is the envelope. */
    readonly accessKey: string;
    readonly secretKey: string;
  } | null;
  /** `LATCHKEY_STS_MAX_DURATION`: ceiling for a role's maximum credential lifetime, seconds (default 43200). */
  readonly stsMaxDuration: number;
  /**
   * `LATCHKEY_STS_RATE_LIMIT`: credential issuances per user per hour (default 120). MinIO keeps every
   * STS credential until it expires, so unbounded minting would grow its IAM store without limit.
   */
  readonly stsRateLimit: number;
  /** `LATCHKEY_AUDIT_RETENTION_DAYS`: how long audit events are kept, in days (default 365). */
  readonly auditRetentionDays: number;
  /** `LATCHKEY_METRICS_TOKEN`: when set, `/metrics` requires `Authorization: Bearer <token>`. */
  readonly metricsToken: string | null;
  /**
   * `LATCHKEY_METRICS_PORT`: serve `/metrics` on this port, on a listener of its own, and not on `PORT` at
   * all (null: on `PORT`). In production one of this and `LATCHKEY_METRICS_TOKEN` is required, so request
   * rates and sign-in outcomes are never public by default.
   */
  readonly metricsPort: number | null;
  /**
   * `LATCHKEY_METRICS_HOST`: the interface the metrics listener binds (default 127.0.0.1). Loopback by
   * default because that listener asks for no credentials (unless the token is also set): a scraper on
   * the same host, or in the same pod, reaches it; anything further is a deliberate choice (`0.0.0.0` on
   * a private network, as in the compose stack, where the port is not published).
   */
  readonly metricsHost: string;
  /** `LATCHKEY_THEME_CSS`: a stylesheet appended to the hosted UI's own (override the `--lk-*` properties). */
  readonly themeCss: string | null;
  /** `LATCHKEY_PRODUCT_NAME`: the name shown on hosted pages (default Latchkey). */
  readonly productName: string;
  /**
   * `LATCHKEY_REGION`: the region in the pool's Cognito-shaped IDs (`REGION_xxxxxxxxx`, `REGION:uuid`), which
   * Amplify and the AWS SDK read their region from (default us-east-1). Not MinIO's region (`S3_REGION`).
   */
  readonly region: string;
  /** `LOG_LEVEL`: pino level (default info). */
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /**
   * `NODE_ENV`: `production` refuses to start on development settings (production-checks.ts): the embedded
   * database, a missing or development `LATCHKEY_SECRET`, an http issuer (unless `LATCHKEY_ALLOW_HTTP_ISSUER`
   * is true: TLS ends elsewhere on purpose) and an open `/metrics`.
   */
  readonly production: boolean;
  /**
   * `LATCHKEY_PLAYGROUND`: `on` or `off`, the built-in sign-in playground at `/playground` and its public
   * client (default: on outside production, off in production, where a demo client is an attack surface).
   */
  readonly playground: boolean;
  /**
   * `LATCHKEY_CONFIG`: a declarative configuration file (YAML or JSON, see `latchkey config apply`), as an
   * absolute path, applied at every start after migrations (never pruning); null: none. It must exist.
   */
  readonly configFile: string | null;
  /** Upstream identity providers from `GOOGLE_*`, `MICROSOFT_*` and `APPLE_*` (see federation-config.ts). */
  readonly federation: FederationConfig;
  /** Outgoing mail (verification codes, password resets, notices). */
  readonly mail: {
    /**
     * `SMTP_URL`: `smtp://` (STARTTLS when offered) or `smtps://` (TLS from the start), with credentials in
     * the URL when the relay wants them. Null: mail is written to the development outbox instead.
     */
    readonly smtpUrl: string | null;
    /** `MAIL_FROM`: the From header (default `<LATCHKEY_PRODUCT_NAME> <no-reply@<issuer host>>`). */
    readonly from: string;
    /** `LATCHKEY_MAIL_TEMPLATES`: a directory whose templates replace `views/mail/` ones of the same name. */
    readonly templatesDir: string | null;
  };
}

/** Raised with every configuration problem found, each naming its variable. */
export class ConfigError extends Error {
  readonly problems: readonly string[];
  constructor(problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** Minimum secret length: 32 characters keeps HMAC and HKDF inputs at 128+ bits of entropy in practice. */
const MIN_SECRET_LENGTH = 32;

/**
 * Parses and validates the environment. Throws {@link ConfigError} listing every problem.
 * Blank variables count as unset, as a blank line in an env file means "not configured".
 */
export function loadConfig(env: Readonly<Record<string, string | undefined>>, options: { readTextFile?: ReadTextFile } = {}): Config {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value.trim() !== ''));
  const parsed = envSchema.safeParse(cleaned);
  const problems: string[] = [];
  const federationProblems: string[] = [];
  const federation = loadFederationConfig(cleaned, federationProblems, cleaned['NODE_ENV'] === 'production', options.readTextFile);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.push(`${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError([...problems, ...federationProblems]);
  }
  const e = parsed.data;
  const production = e.NODE_ENV === 'production';

  let secrets: string[] | null = null;
  if (e.LATCHKEY_SECRET !== undefined) {
    secrets = e.LATCHKEY_SECRET.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
    if (secrets.length === 0) problems.push('LATCHKEY_SECRET: must hold at least one secret');
    if (secrets.some((s) => s.length < MIN_SECRET_LENGTH)) {
      problems.push(`LATCHKEY_SECRET: every secret must be at least ${MIN_SECRET_LENGTH} characters`);
    }
  } else if (production) {
    problems.push('LATCHKEY_SECRET: required when NODE_ENV=production');
  } else if (e.DATABASE_URL !== undefined) {
    // Replicas on a shared Postgres must share cookie and key-encryption secrets; a generated one would not be.
    problems.push('LATCHKEY_SECRET: required when DATABASE_URL is set (every replica must share it)');
  }

  const audiences = (e.LATCHKEY_API_AUDIENCES ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  for (const audience of audiences) {
    if (!absoluteHttpUrl.safeParse(audience).success && !/^urn:[a-z0-9][a-z0-9-]{0,31}:\S+$/i.test(audience)) {
      problems.push(`LATCHKEY_API_AUDIENCES: "${audience}" is neither an absolute URL nor a URN`);
    }
  }
  const s3Keys = [e.S3_ENDPOINT, e.S3_STS_ACCESS_KEY, e.S3_STS_SECRET_KEY];
  if (s3Keys.some((v) => v !== undefined) && s3Keys.some((v) => v === undefined)) {
    for (const [name, value] of [['S3_ENDPOINT', e.S3_ENDPOINT], ['S3_STS_ACCESS_KEY', e.S3_STS_ACCESS_KEY], ['S3_STS_SECRET_KEY', e.S3_STS_SECRET_KEY]] as const) {
      if (value === undefined) problems.push(`${name}: required when any of S3_ENDPOINT, S3_STS_ACCESS_KEY, S3_STS_SECRET_KEY is set`);
    }
  }
  if (production && e.LATCHKEY_METRICS_TOKEN === undefined && e.LATCHKEY_METRICS_PORT === undefined) {
    problems.push('LATCHKEY_METRICS_TOKEN or LATCHKEY_METRICS_PORT: one is required when NODE_ENV=production (a bearer token for /metrics, or a separate metrics listener)');
  }
  if (e.LATCHKEY_METRICS_PORT !== undefined && e.LATCHKEY_METRICS_PORT !== 0 && e.LATCHKEY_METRICS_PORT === e.PORT) {
    problems.push('LATCHKEY_METRICS_PORT: must differ from PORT');
  }
  if (e.LATCHKEY_METRICS_HOST !== undefined && e.LATCHKEY_METRICS_PORT === undefined) {
    problems.push('LATCHKEY_METRICS_HOST: only applies with LATCHKEY_METRICS_PORT');
  }
  const signing = loadSigningConfig(cleaned, problems, e.LATCHKEY_KEY_REFRESH_SECONDS);
  if (production) {
    problems.push(...productionProblems({ databaseUrl: e.DATABASE_URL, secrets, issuer: e.LATCHKEY_ISSUER, allowHttpIssuer: e.LATCHKEY_ALLOW_HTTP_ISSUER }));
  }
  const configFile = e.LATCHKEY_CONFIG === undefined ? null : resolve(e.LATCHKEY_CONFIG);
  if (configFile !== null && !isFile(configFile)) problems.push(`LATCHKEY_CONFIG: ${configFile} is not a file`);
  problems.push(...federationProblems);
  if (problems.length > 0) throw new ConfigError(problems);

  const issuer = (e.LATCHKEY_ISSUER ?? `http://localhost:${e.PORT}`).replace(/\/+$/, '');
  const mail = {
    smtpUrl: e.SMTP_URL ?? null,
    from: e.MAIL_FROM ?? `${quoteDisplayName(e.LATCHKEY_PRODUCT_NAME)} <no-reply@${new URL(issuer).hostname}>`,
    templatesDir: e.LATCHKEY_MAIL_TEMPLATES ?? null,
  };
  return deepFreeze({
    port: e.PORT,
    host: e.HOST,
    issuer,
    databaseUrl: e.DATABASE_URL ?? null,
    dbPreparedStatements: e.LATCHKEY_DB_PREPARED_STATEMENTS,
    // The default is anchored to the project, so `npm start` and `npx latchkey` from any of its folders meet
    // in one database; a value that is set is taken relative to where the command runs, as paths are.
    dataDir: e.LATCHKEY_DATA_DIR !== undefined ? resolve(e.LATCHKEY_DATA_DIR) : join(packageRoot() ?? process.cwd(), 'data'),
    secrets,
    apiAudiences: audiences,
    accessTokenTtl: e.LATCHKEY_ACCESS_TOKEN_TTL,
    trustProxy: e.LATCHKEY_TRUST_PROXY,
    proxyHops: e.LATCHKEY_PROXY_HOPS,
    keyRefreshSeconds: e.LATCHKEY_KEY_REFRESH_SECONDS,
    signing,
    s3: e.S3_ENDPOINT && e.S3_STS_ACCESS_KEY && e.S3_STS_SECRET_KEY
      ? { endpoint: e.S3_ENDPOINT.replace(/\/+$/, ''), region: e.S3_REGION, accessKey: e.S3_STS_ACCESS_KEY, secretKey: e.S3_STS_SECRET_KEY }
      : null,
    stsMaxDuration: e.LATCHKEY_STS_MAX_DURATION,
    stsRateLimit: e.LATCHKEY_STS_RATE_LIMIT,
    auditRetentionDays: e.LATCHKEY_AUDIT_RETENTION_DAYS,
    themeCss: e.LATCHKEY_THEME_CSS ?? null,
    metricsToken: e.LATCHKEY_METRICS_TOKEN ?? null,
    metricsPort: e.LATCHKEY_METRICS_PORT ?? null,
    metricsHost: e.LATCHKEY_METRICS_HOST ?? '127.0.0.1',
    productName: e.LATCHKEY_PRODUCT_NAME,
    region: e.LATCHKEY_REGION,
    logLevel: e.LOG_LEVEL,
    production,
    playground: e.LATCHKEY_PLAYGROUND === undefined ? !production : e.LATCHKEY_PLAYGROUND === 'on',
    configFile,
    federation,
    mail,
  });
}

/** A product name such as `Acme, Inc.` would otherwise read as two addresses (RFC 5322 §3.2.4 quoting). */
function quoteDisplayName(name: string): string {
  const oneLine = name.replace(/[\r\n]+/g, ' ');
  return /^[A-Za-z0-9 !#$%&'*+\-/=?^_`{|}~]+$/.test(oneLine) ? oneLine : `"${oneLine.replace(/["\\]/g, '\\$&')}"`;
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
