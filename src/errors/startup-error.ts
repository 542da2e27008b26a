/**
 * Why Latchkey could not start (or a CLI command could not reach its database), in words that name the
 * setting to fix. Not an AppError: it never reaches an HTTP client, only the operator's terminal or log.
 */
export class StartupError extends Error {
  /** The environment variable to look at, e.g. `DATABASE_URL` or `PORT`. */
  readonly setting: string;
  constructor(setting: string, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'StartupError';
    this.setting = setting;
  }
}

/** A Postgres URL fit for a message: the password is never shown. */
export function redactedDatabaseUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable URL)';
  }
}

/** Postgres could not be reached, or refused the connection, at `DATABASE_URL`. */
export function databaseUnreachable(url: string, cause: unknown): StartupError {
  const code = (cause as { code?: string }).code;
  // A refused connection to a name with several addresses is an AggregateError with an empty message.
  const inner = cause instanceof AggregateError ? (cause.errors[0] as unknown) : undefined;
  const reason = (cause instanceof Error && cause.message) || (inner instanceof Error && inner.message) || code || 'the connection failed';
  const hint = code === '28P01' || code === '28000' ? 'check the user and password in DATABASE_URL'
    : code === '3D000' ? 'create that database, or fix its name in DATABASE_URL'
      : 'check DATABASE_URL and that Postgres is running and reachable from here';
  return new StartupError('DATABASE_URL', `cannot connect to the database at DATABASE_URL (${redactedDatabaseUrl(url)}): ${reason}; ${hint}`, { cause });
}

/** The HTTP port is taken (another Latchkey, or another program). */
export function portInUse(setting: 'PORT' | 'LATCHKEY_METRICS_PORT', host: string, port: number, cause: unknown): StartupError {
  const code = (cause as { code?: string }).code;
  const reason = code === 'EADDRINUSE' ? 'is already in use by another program' : code === 'EACCES' ? 'needs privileges this process does not have' : `cannot be bound (${cause instanceof Error ? cause.message : String(cause)})`;
  return new StartupError(setting, `${setting} ${port} on ${host} ${reason}; stop that program or choose another ${setting}`, { cause });
}
