import { pino, type Logger, type DestinationStream } from 'pino';
import { currentLogContext } from './log-context.js';

export type { Logger };

/**
 * Names that hold a secret wherever they appear, redacted two levels down too (an error's `config`, a
 * response's body, a config object's section). Every wildcard level costs time on every line, so headers,
 * which sit deepest (an error's request config), get their own paths below.
 */
const SECRET_KEYS = [
  'password', 'newPassword', 'passwordHash', 'password_hash', 'authorization', 'cookie',
  'client_secret', 'clientSecret', 'client_assertion', 'assertion', 'code_verifier', 'authorizationCode',
  'access_token', 'refresh_token', 'id_token', 'id_token_hint', 'subject_token', 'actor_token', 'logout_token', 'token',
  'secret', 'secrets', 'secretKey', 'secretAccessKey', 'SecretAccessKey', 'sessionToken', 'SessionToken', 'WebIdentityToken',
  'privateKey', 'privateJwk', 'privateJwks', 'recoveryCodes', 'recovery_codes', 'metricsToken', 'smtpUrl', 'databaseUrl', 'payload',
];
/** Credential-carrying headers, in either case, under any `headers` object up to two levels down. */
const SECRET_HEADERS = ['authorization', 'Authorization', 'cookie', 'Cookie', 'set-cookie', 'proxy-authorization', 'x-amz-security-token'];
const LEVELS = ['', '*.', '*.*.'];

/**
 * Paths redacted in every environment. Logs are the most common way secrets leak from an auth server,
 * so redaction is by path and generous, and request bodies or token responses are never logged at all.
 */
export const REDACTED_PATHS = [...new Set([
  ...SECRET_KEYS.flatMap((key) => LEVELS.map((level) => `${level}${key}`)),
  ...SECRET_HEADERS.flatMap((header) => LEVELS.map((level) => `${level}headers["${header}"]`)),
  // Authorization codes are redacted where they would travel (a query, a form, a body); a bare `code` field
  // is an error code or SQLSTATE, which operators need to see.
  'query.code', '*.query.code', 'form.code', '*.form.code', 'body.code', '*.body.code', 'params.code', '*.params.code',
  // `state` and `nonce` are generic words: one level down only, where an OAuth parameter set is logged.
  'state', '*.state', 'nonce', '*.nonce',
  // Upstream federation in a whole config object: `config.federation.<name>.clientSecret`, one level deeper.
  '*.federation.*.privateKey', '*.federation.*.clientSecret',
])];

/**
 * Creates the JSON logger. `destination` lets tests capture lines. Every line written while a request is
 * served carries its `requestId` (the one echoed in X-Request-Id), so a request's lines can be found together.
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino({
    level,
    base: { service: 'latchkey' },
    mixin: currentLogContext,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  }, destination);
}
