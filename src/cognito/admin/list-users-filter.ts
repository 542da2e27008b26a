import { normalizeIdentifier } from '../../directory/normalize.js';
import type { UserRow } from '../../directory/repositories/user.repository.js';
import type { UserSearchQuery } from '../../directory/user-search.js';
import { InvalidRequestError } from '../../errors/app-error.js';
import { cognitoAttributes, cognitoUserStatus } from './cognito-user.presenter.js';

/** A ListUsers Filter as a search: what the directory narrows by, and the exact test each row must pass. */
export interface UserFilter {
  query: Omit<UserSearchQuery, 'after' | 'limit'>;
  matches(user: UserRow): boolean;
  /** `sub = "…"`: one user by id, no search. */
  sub?: string;
}

const FILTER = /^\s*([a-z_:]+)\s*(=|\^=)\s*"((?:[^"\\]|\\.)*)"\s*$/;
const PROFILE_ATTRIBUTES = new Set(['given_name', 'family_name', 'name']);
const STATUS_ROWS: Record<string, UserRow['status']> = {
  CONFIRMED: 'confirmed', EXTERNAL_PROVIDER: 'confirmed', UNCONFIRMED: 'unconfirmed', FORCE_CHANGE_PASSWORD: 'reset_required', RESET_REQUIRED: 'reset_required',
};

const invalid = (message: string) => new InvalidRequestError(`Invalid filter: ${message}`, [{ path: 'Filter', message }]);

/** The value an attribute has for a user, as Cognito filters on it. */
function attributeOf(user: UserRow, name: string): string | undefined {
  if (name === 'username') return user.username ?? undefined;
  if (name === 'cognito:user_status') return cognitoUserStatus(user);
  if (name === 'status') return user.enabled ? 'Enabled' : 'Disabled';
  return cognitoAttributes(user, [name])[0]?.Value;
}

/**
 * Cognito's ListUsers Filter: `attribute = "value"` (exact) or `attribute ^= "value"` (prefix), on username,
 * email, phone_number, name, given_name, family_name, preferred_username, sub, cognito:user_status (UserStatus)
 * or status (`Enabled`/`Disabled`). An empty filter lists everyone. The directory narrows where it has an index
 * or a column for it; every row is then checked exactly (usernames and addresses as sign-in compares them).
 */
export function parseUserFilter(filter: string | undefined): UserFilter {
  if (filter === undefined || filter.trim() === '') return { query: {}, matches: () => true };
  const parsed = FILTER.exec(filter);
  if (!parsed) throw invalid('expected attribute = "value" or attribute ^= "value"');
  const [, rawName, operator, quoted] = parsed as unknown as [string, string, '=' | '^=', string];
  const name = rawName === 'preferred_username' ? 'username' : rawName;
  const value = quoted.replace(/\\(.)/g, '$1');
  const exact = operator === '=';
  const identifier = name === 'username' || name === 'email';
  const wanted = identifier ? normalizeIdentifier(value) : value;
  const matches = (user: UserRow) => {
    const actual = attributeOf(user, name);
    if (actual === undefined) return false;
    const compared = identifier ? normalizeIdentifier(actual) : actual;
    return exact ? compared === wanted : compared.startsWith(wanted);
  };
  if (name === 'sub') return exact ? { query: {}, matches, sub: value.toLowerCase() } : { query: {}, matches };
  if (name === 'username') return { query: exact ? { username: value } : { q: value }, matches };
  if (name === 'email') return { query: exact ? { email: value } : { q: value }, matches };
  if (name === 'status') {
    if (!exact || (value !== 'Enabled' && value !== 'Disabled')) throw invalid('status is "Enabled" or "Disabled"');
    return { query: { enabled: value === 'Enabled' }, matches };
  }
  if (name === 'cognito:user_status') return { query: exact && STATUS_ROWS[value] ? { status: STATUS_ROWS[value] } : {}, matches };
  if (PROFILE_ATTRIBUTES.has(name)) return { query: exact ? { attribute: { name, value } } : {}, matches };
  if (name === 'phone_number') return { query: {}, matches };
  throw invalid(`${rawName.slice(0, 32)} is not an attribute ListUsers filters on`);
}
