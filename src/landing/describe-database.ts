/**
 * What the landing page and the start-up hint say about the database: its kind and, for Postgres, where it
 * is (host, port, database name). Built from the URL's parts one by one, so the user name, the password and
 * any query options (which may carry `password=` or `sslpassword=`) can never be printed.
 */
export type DatabaseDescription =
  | { readonly kind: 'embedded'; readonly dataDir: string }
  | { readonly kind: 'postgres'; readonly host: string; readonly port: number; readonly database: string };

/** Describes `DATABASE_URL` (null: the embedded database in `dataDir`) without any credential. */
export function describeDatabase(config: { databaseUrl: string | null; dataDir: string }): DatabaseDescription {
  if (config.databaseUrl === null) return { kind: 'embedded', dataDir: config.dataDir };
  let url: URL;
  try {
    url = new URL(config.databaseUrl);
  } catch {
    return { kind: 'postgres', host: 'unknown', port: 5432, database: 'unknown' };
  }
  // libpq also takes the host (a socket directory) as a query option when the authority is empty.
  const host = url.hostname || url.searchParams.get('host') || 'localhost';
  const port = Number(url.port || url.searchParams.get('port') || 5432);
  const path = safeDecode(url.pathname.replace(/^\//, ''));
  return { kind: 'postgres', host, port: Number.isInteger(port) ? port : 5432, database: path || safeDecode(url.username) || 'postgres' };
}

/** One line for people: `Postgres at db.internal:5432/latchkey`, or `embedded Postgres in ./data`. */
export function databaseLabel(description: DatabaseDescription): string {
  return description.kind === 'embedded'
    ? `embedded Postgres (PGlite) in ${description.dataDir}`
    : `Postgres at ${description.host}:${description.port}/${description.database}`;
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
