/**
 * The columns of Cognito's user import CSV, in the order `GetCSVHeader` gives them, then Latchkey's own.
 * `custom:NAME` columns (declared custom attributes) may follow in any order.
 */
export const COGNITO_COLUMNS = [
  'name', 'given_name', 'family_name', 'middle_name', 'nickname', 'preferred_username', 'profile', 'picture',
  'website', 'email', 'email_verified', 'gender', 'birthdate', 'zoneinfo', 'locale', 'phone_number',
  'phone_number_verified', 'address', 'updated_at', 'cognito:mfa_enabled', 'cognito:username',
] as const;

/**
 * Latchkey's columns. `latchkey:id` keeps a user's id (their `sub`) across a move from one Latchkey to
 * another; `latchkey:password_hash` appears only in exports with hashes.
 */
export const LATCHKEY_COLUMNS = ['latchkey:id', 'latchkey:password_hash', 'latchkey:groups', 'latchkey:identities', 'latchkey:status', 'latchkey:enabled'] as const;

/**
 * Cognito columns Latchkey reads past: it keeps no `preferred_username` or `address`, `updated_at` is its
 * own, and a second factor cannot be imported (`cognito:mfa_enabled` is written on export for information).
 */
export const IGNORED_COLUMNS: ReadonlySet<string> = new Set(['preferred_username', 'address', 'updated_at', 'cognito:mfa_enabled']);

const KNOWN: ReadonlySet<string> = new Set<string>([...COGNITO_COLUMNS, ...LATCHKEY_COLUMNS]);

/** Why a header is refused (an unknown or repeated column), or null. Custom columns are checked against declarations by the caller. */
export function headerProblem(columns: readonly string[]): string | null {
  const seen = new Set<string>();
  for (const column of columns) {
    if (seen.has(column)) return `the column "${column}" appears twice`;
    seen.add(column);
    if (!KNOWN.has(column) && !/^custom:[a-z][a-z0-9_]{0,31}$/.test(column)) return `unknown column "${column.slice(0, 64)}"`;
  }
  if (!seen.has('cognito:username') && !seen.has('email')) return 'the header needs a cognito:username or an email column';
  return null;
}
