import { pino, type Logger, type DestinationStream } from 'pino';
import { currentLogContext } from './log-context.js';
import { compileRedaction } from './log-redaction.js';

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

/** The same logger without redaction, for lines whose every field is chosen by Latchkey (see requestLineLogger). */
const unredactedSiblings = new WeakMap<Logger, Logger>();

/**
 * Creates the JSON logger. `destination` lets tests capture lines (stdout, written synchronously, when
 * omitted). Every line written while a request is served carries its `requestId` (the one echoed in
 * X-Request-Id), so a request's lines can be found together.
 */
export function createLogger(level: string, destination: DestinationStream = pino.destination(1)): Logger {
  const options = { level, base: { service: 'latchkey' }, mixin: currentLogContext, timestamp: pino.stdTimeFunctions.isoTime };
  // Redaction by compiled paths (log-redaction.ts) instead of pino's `redact`, which costs ~100 µs a line. It
  // sees a line before pino's serializers, so the error is serialized here first, as pino would, and once.
  const redact = compileRedaction(REDACTED_PATHS, '[redacted]');
  const logger = pino({
    ...options,
    serializers: { err: (serialized: unknown) => serialized },
    formatters: {
      log: (line: Record<string, unknown>) => redact('err' in line ? { ...line, err: pino.stdSerializers.err(line.err as Error) } : line),
      bindings: (bindings: pino.Bindings) => redact(bindings),
    },
  }, destination);
  // pino formats a child's bindings without the root's bindings formatter, so they are redacted on the way in
  // (children inherit this method, and `this` is the logger whose child is made).
  const childOf = Reflect.get(logger, 'child') as unknown as (this: Logger, bindings: pino.Bindings, childOptions?: pino.ChildLoggerOptions) => Logger;
  Reflect.set(logger, 'child', function childWithRedactedBindings(this: Logger, bindings: pino.Bindings, childOptions?: pino.ChildLoggerOptions): Logger {
    return childOf.call(this, redact(bindings), childOptions);
  });
  unredactedSiblings.set(logger, pino(options, destination));
  return logger;
}

/**
 * The logger for the one line each request ends with. Its fields (request id, method, path, status,
 * duration) are set by Latchkey and hold no secret, so it skips redaction, which walks every redacted path
 * on every line and cost more than the rest of the line under load. Anything else logs through `logger`.
 */
export function requestLineLogger(logger: Logger): Logger {
  return unredactedSiblings.get(logger) ?? logger;
}

/**
 * Stdout for the server, written in blocks of 4 KiB or every 200 ms, whichever comes first, instead of one
 * synchronous write per line: at a few thousand requests a second, per-line writes to a pipe took more time
 * than anything Latchkey does for a token. What is still buffered is written when the process exits (a
 * SIGKILL loses at most the last 200 ms).
 */
export function bufferedStdout(): DestinationStream {
  const destination = pino.destination({ dest: 1, sync: false, minLength: 4096 });
  const timer = setInterval(() => destination.flush(), 200);
  timer.unref();
  process.once('exit', () => {
    try {
      destination.flushSync();
    } catch {
      // Nothing left to do at exit if stdout is gone.
    }
  });
  return destination;
}
