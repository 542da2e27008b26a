import { pino, type Logger, type DestinationStream } from 'pino';

export type { Logger };

/**
 * Paths redacted in every environment. Logs are the most common way secrets leak from an auth server,
 * so redaction is by path and generous, and request bodies or token responses are never logged at all.
 */
export const REDACTED_PATHS = [
  'password', '*.password', 'newPassword', '*.newPassword',
  'authorization', '*.authorization', 'headers.authorization', 'req.headers.authorization',
  'cookie', '*.cookie', 'headers.cookie', 'req.headers.cookie', 'res.headers["set-cookie"]',
  'client_secret', '*.client_secret', 'clientSecret', '*.clientSecret',
  // Authorization codes are redacted where they would travel (a query, a form, a body); a bare `code` field
  // is an error code or SQLSTATE, which operators need to see.
  'query.code', '*.query.code', 'form.code', '*.form.code', 'body.code', '*.body.code', 'params.code', '*.params.code',
  'authorizationCode', '*.authorizationCode', 'code_verifier', '*.code_verifier',
  'id_token', '*.id_token', 'access_token', '*.access_token', 'refresh_token', '*.refresh_token',
  'token', '*.token', 'state', '*.state', 'nonce', '*.nonce', 'secret', '*.secret', 'secrets',
  '*.payload', 'payload', 'secretKey', '*.secretKey', 'SecretAccessKey', '*.SecretAccessKey', 'SessionToken', '*.SessionToken', 'sessionToken', '*.sessionToken', 's3.secretKey', 'WebIdentityToken', '*.WebIdentityToken', 'privateJwk', '*.privateJwk', 'databaseUrl', '*.databaseUrl',
  // SMTP_URL may carry the relay's user and password.
  'smtpUrl', '*.smtpUrl', 'mail.smtpUrl', '*.mail.smtpUrl',
  // Upstream federation: client secrets and Apple's signing key, also where a whole config object is logged.
  'privateKey', '*.privateKey', 'apple.privateKey', 'federation.*.privateKey', '*.federation.*.privateKey',
  'federation.*.clientSecret', '*.federation.*.clientSecret', 'google.clientSecret', 'microsoft.clientSecret',
];

/** Creates the JSON logger. `destination` lets tests capture lines. */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino({
    level,
    base: { service: 'latchkey' },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  }, destination);
}
