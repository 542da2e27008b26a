import { Readable } from 'node:stream';
import { COGNITO_COLUMNS } from '../../src/directory/transfer/cognito-csv-columns.js';
import { FOREIGN_KINDS, foreignHash, type ForeignKind } from './foreign-hashes.js';

/** The header of the generated files: Cognito's columns, one custom attribute, Latchkey's columns. */
export const IMPORT_HEADER = [...COGNITO_COLUMNS, 'custom:tier', 'latchkey:password_hash', 'latchkey:groups', 'latchkey:identities', 'latchkey:status', 'latchkey:enabled'];

/** What the generated users have: a hash of each kind in turn, or none (every seventh user). */
export type GeneratedKind = ForeignKind | 'none';
export const GENERATED_KINDS: readonly GeneratedKind[] = [...FOREIGN_KINDS, 'none'];

export const kindOf = (index: number): GeneratedKind => GENERATED_KINDS[index % GENERATED_KINDS.length]!;
export const usernameOf = (index: number) => `user${String(index).padStart(6, '0')}`;
export const passwordOf = (kind: GeneratedKind) => `old ${kind} password`;

/** One hash per kind, made once: hashing is what costs, and the import only parses. */
export async function hashesByKind(): Promise<Map<GeneratedKind, string>> {
  const hashes = new Map<GeneratedKind, string>();
  for (const kind of FOREIGN_KINDS) hashes.set(kind, await foreignHash(kind, passwordOf(kind)));
  return hashes;
}

function cells(values: Partial<Record<string, string>>): string {
  return `${IMPORT_HEADER.map((column) => {
    const value = values[column] ?? '';
    return /[",\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
  }).join(',')}\n`;
}

/**
 * User `index` as a CSV line. Users without a hash alternate between a linked `corp` identity (they sign in
 * upstream) and none (they must reset their password).
 */
export function userLine(index: number, hashes: ReadonlyMap<GeneratedKind, string>): string {
  const kind = kindOf(index);
  const username = usernameOf(index);
  const federated = kind === 'none' && index % 2 === 0;
  return cells({
    'cognito:username': username, email: `${username}@example.com`, email_verified: 'true', name: `User ${index}`,
    given_name: 'User', family_name: String(index), phone_number: index % 3 === 0 ? `+4930${String(index).padStart(7, '0')}` : '',
    'cognito:mfa_enabled': 'false', 'custom:tier': index % 2 ? 'gold' : 'silver',
    'latchkey:password_hash': hashes.get(kind) ?? '', 'latchkey:groups': `imported;kind-${kind}`,
    'latchkey:identities': federated ? `corp:subject-${index}` : '',
  });
}

/** Rows that must be rejected, each with the start of the reason the report gives. */
export function badLines(hashes: ReadonlyMap<GeneratedKind, string>): { line: string; identifier: string; reason: string }[] {
  const bcrypt = hashes.get('bcrypt')!;
  const bad = (identifier: string, values: Partial<Record<string, string>>, reason: string) =>
    ({ line: cells({ 'cognito:username': identifier, email: `${identifier}@example.com`, 'latchkey:password_hash': bcrypt, ...values }), identifier, reason });
  return [
    bad('bad-unknown-hash', { 'latchkey:password_hash': '$1$saltsalt$hash' }, 'unknown password hash format'),
    bad('bad-bcrypt-cost', { 'latchkey:password_hash': `$2b$31$${bcrypt.slice(7)}` }, 'bcrypt hash asks for too much work (cost 31; at most 15)'),
    bad('bad-pbkdf2', { 'latchkey:password_hash': '$pbkdf2-sha256$99999999$c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaA' }, 'pbkdf2-sha256 hash: asks for too much work'),
    bad('bad-provider', { 'latchkey:identities': 'nowhere:subject-1' }, 'unknown upstream provider "nowhere"'),
    bad('bad-email', { email: 'not-an-address' }, 'email is not an e-mail address'),
    bad('bad-verified', { email_verified: 'maybe' }, 'email_verified: "maybe" is not true or false'),
    bad('bad-group', { 'latchkey:groups': 'imported;no spaces allowed' }, 'group name "no spaces allowed" is not valid'),
    bad('bad-status', { 'latchkey:status': 'archived' }, 'status "archived" is not confirmed'),
    // Passes every check of its own and is created, then its identity is found linked to user 6: the
    // savepoint undoes the user, its groups and its audit event.
    bad('bad-taken-identity', { 'latchkey:identities': 'corp:subject-6', 'latchkey:groups': 'only-for-rejected' }, 'the corp identity is linked to another user'),
  ];
}

/**
 * A CSV of `count` users with the bad rows spread through it, produced lazily: `produced()` tells how many
 * lines the importer has pulled so far (it must never read the whole file before writing).
 */
export function generatedCsv(count: number, hashes: ReadonlyMap<GeneratedKind, string>): { stream: Readable; produced: () => number; badAt: Map<number, { identifier: string; reason: string }> } {
  const bad = badLines(hashes);
  const every = Math.floor(count / bad.length);
  const badAt = new Map<number, { identifier: string; reason: string }>();
  let produced = 0;
  function* lines(): Generator<string> {
    yield cells(Object.fromEntries(IMPORT_HEADER.map((column) => [column, column])));
    let line = 1;
    for (let index = 0; index < count; index += 1) {
      if (index > 0 && index % every === 0 && bad.length > 0) {
        const next = bad.shift()!;
        line += 1;
        badAt.set(line, { identifier: next.identifier, reason: next.reason });
        produced += 1;
        yield next.line;
      }
      line += 1;
      produced += 1;
      yield userLine(index, hashes);
    }
  }
  return { stream: Readable.from(lines(), { objectMode: false }), produced: () => produced, badAt };
}
