import { PROFILE_CLAIMS, type ProfileClaim } from '../attributes.js';
import { isEmailShaped } from '../normalize.js';
import { isUuid } from '../../lib/uuid.js';
import { COGNITO_COLUMNS, IGNORED_COLUMNS, LATCHKEY_COLUMNS } from './cognito-csv-columns.js';
import { formatIdentityList, parseIdentityList } from './identity-list.js';
import { parseStatus } from './parse-status.js';
import type { ExportedUser } from './repositories/user-transfer.repository.js';
import { RowRejection, type TransferUser } from './transfer-user.js';

const PROFILE: ReadonlySet<string> = new Set(PROFILE_CLAIMS);

function parseBoolean(column: string, cell: string): boolean | undefined {
  if (cell === '') return undefined;
  const lower = cell.toLowerCase();
  if (lower === 'true') return true;
  if (lower === 'false') return false;
  throw new RowRejection(`${column}: "${cell.slice(0, 32)}" is not true or false`);
}

const list = (cell: string) => cell.split(';').map((part) => part.trim()).filter(Boolean);

/**
 * `cognito:username` is the username, except where Cognito pools put something Latchkey keeps elsewhere:
 * an e-mail address (pools that sign in by e-mail) is the user's e-mail, and a UUID (the `sub` Cognito
 * generates as the username of such pools) is no username at all; Latchkey refuses both as usernames, since
 * a username must never be confused with an address or a user id.
 */
function identifiers(cells: Readonly<Record<string, string>>): Pick<TransferUser, 'username' | 'email'> {
  const email = cells['email'] || undefined;
  const username = cells['cognito:username'] || undefined;
  if (username === undefined || isUuid(username.toLowerCase())) return { email };
  if (!isEmailShaped(username)) return { username, email };
  if (email === undefined || email.toLowerCase() === username.toLowerCase()) return { email: email ?? username };
  throw new RowRejection('cognito:username is an e-mail address other than the email column');
}

/**
 * One CSV row (cells by column, trimmed) as a transfer user. Only the columns of the header are given:
 * a column that is absent leaves that attribute of an existing user as it is, an empty cell removes it
 * (identifiers, verification flags, status and enabled stay as they are when empty).
 */
export function csvRecordToUser(cells: Readonly<Record<string, string>>): TransferUser {
  const user: TransferUser = { ...identifiers(cells), profile: {}, customAttributes: {} };
  for (const [column, cell] of Object.entries(cells)) {
    if (PROFILE.has(column)) user.profile[column as ProfileClaim] = cell === '' ? null : cell;
    else if (column.startsWith('custom:')) user.customAttributes[column.slice('custom:'.length)] = cell === '' ? null : cell;
  }
  const has = (column: string) => column in cells;
  if (has('email_verified')) user.emailVerified = parseBoolean('email_verified', cells['email_verified']!);
  if (has('phone_number')) user.phoneNumber = cells['phone_number'] || null;
  if (has('phone_number_verified')) user.phoneNumberVerified = parseBoolean('phone_number_verified', cells['phone_number_verified']!);
  if (has('latchkey:id') && cells['latchkey:id']) user.id = cells['latchkey:id'];
  if (has('latchkey:password_hash')) user.passwordHash = cells['latchkey:password_hash'] || null;
  if (has('latchkey:groups')) user.groups = list(cells['latchkey:groups']!);
  if (has('latchkey:identities')) user.identities = parseIdentityList(cells['latchkey:identities']!);
  if (has('latchkey:status') && cells['latchkey:status']) user.status = parseStatus(cells['latchkey:status']);
  if (has('latchkey:enabled')) {
    const enabled = parseBoolean('latchkey:enabled', cells['latchkey:enabled']!);
    if (enabled !== undefined) user.enabled = enabled;
  }
  if (user.emailVerified === undefined) delete user.emailVerified;
  if (user.phoneNumberVerified === undefined) delete user.phoneNumberVerified;
  return user;
}

/** The export header: Cognito's columns, the declared custom attributes, then Latchkey's. */
export function csvHeader(customAttributes: readonly string[], includeHashes: boolean): string[] {
  const latchkey = LATCHKEY_COLUMNS.filter((column) => includeHashes || column !== 'latchkey:password_hash');
  return [...COGNITO_COLUMNS, ...customAttributes.map((name) => `custom:${name}`), ...latchkey];
}

/** A stored value as a cell: profile claims are strings, custom attributes strings, numbers or booleans. */
const text = (value: unknown) => (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? String(value) : '');

/** One user's cells in the order of `header`. */
export function userToCsvCells(exported: ExportedUser, header: readonly string[]): string[] {
  const { user } = exported;
  return header.map((column) => {
    if (PROFILE.has(column)) return text(user.profile[column]);
    if (column.startsWith('custom:')) return text(user.custom_attributes[column.slice('custom:'.length)]);
    if (IGNORED_COLUMNS.has(column)) {
      if (column === 'updated_at') return String(Math.floor(user.updated_at.getTime() / 1000));
      return column === 'cognito:mfa_enabled' ? String(exported.mfaEnabled) : '';
    }
    switch (column) {
      case 'email': return text(user.email);
      case 'email_verified': return String(user.email_verified);
      case 'phone_number': return text(user.phone_number);
      case 'phone_number_verified': return String(user.phone_number_verified);
      // Cognito requires a username; a user known by e-mail alone is written by address (read back as such).
      case 'cognito:username': return user.username ?? user.email ?? '';
      case 'latchkey:id': return user.id;
      case 'latchkey:password_hash': return text(user.password_hash);
      case 'latchkey:groups': return exported.groups.join(';');
      case 'latchkey:identities': return formatIdentityList(exported.identities);
      case 'latchkey:status': return user.status;
      case 'latchkey:enabled': return String(user.enabled);
      default: return '';
    }
  });
}
