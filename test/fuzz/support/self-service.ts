import fc from 'fast-check';
import type { Database } from '../../../src/db/database.js';
import { snapshot } from '../../support/snapshot.js';
import { badEscape } from './arbitraries.js';

/**
 * What the self-service fuzzing adds to the shared arbitraries and fingerprints: identifiers built from
 * hostile Unicode, the ways a form can be malformed or oversized, and two wider views of "the database".
 */

/**
 * The shared snapshot plus the one-time codes, without their attempt counts: what a refused but well-formed
 * form must leave alone. A wrong code is refused and still counted (the attempt limit is the design), so
 * `attempts` is left out; a new code, a consumed one or a moved expiry is not allowed.
 */
export async function withCodes(db: Database): Promise<string> {
  const codes = await db.query('SELECT id, purpose, subject, code_hmac, max_attempts, expires_at, consumed_at FROM one_time_codes ORDER BY id');
  return lines([await snapshot(db), codes.rows]);
}

/**
 * Everything a malformed form or a refused CSRF token must leave alone: the shared snapshot, every column of
 * the one-time codes, and every rate counter (sign-in throttle, mail cool-downs, sign-ups per address). Such
 * a request is refused before any step that counts, so not even a counter may move.
 */
export async function withCodesAndCounters(db: Database): Promise<string> {
  const [codes, counters] = await Promise.all([
    db.query('SELECT id, purpose, subject, code_hmac, attempts, max_attempts, expires_at, consumed_at FROM one_time_codes ORDER BY id'),
    db.query('SELECT key, window_start, count FROM rate_limits ORDER BY key'),
  ]);
  return lines([await snapshot(db), codes.rows, counters.rows]);
}

/** One row a line, so that a failing comparison shows which row changed. */
function lines([shared, ...rows]: [string, ...unknown[][]]): string {
  return [...(JSON.parse(shared) as unknown[][]), ...rows].flatMap((table) => table.map((row) => JSON.stringify(row))).join('\n');
}

/**
 * Characters that make one identifier look like another or display as something else: bidi overrides and
 * isolates, zero-width joiners, homoglyphs from other scripts (Cyrillic а е о р, Greek ο, dotless ı, the
 * Kelvin sign), compatibility forms NFKC folds (full-width, long s, ligatures, circled digits) and
 * combining marks, stacked.
 */
const confusable = fc.constantFrom(
  '\u202e', '\u202d', '\u2066', '\u2067', '\u2069', '\u200f', '\u200e', '\u200b', '\u200c', '\u200d', '\u2060', '\ufeff',
  '\u0430', '\u0435', '\u043e', '\u0440', '\u03bf', '\u0131', '\u212a', '\uff41', '\uff4c', '\u017f', '\ufb00', '\u2460', '\u{1d41a}',
  '\u0301', '\u0308', '\u0338', '\u0336', 'e\u0301', 'a\u0308', `a${'\u0301'.repeat(12)}`, '\u1100\u1161', '\u0ba8\u0bbf',
);
const plain = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789._-'.split(''));

/** A username-like string mixing plain letters with confusable characters. */
export const hostileName: fc.Arbitrary<string> = fc.string({ unit: fc.oneof({ weight: 3, arbitrary: plain }, { weight: 2, arbitrary: confusable }), minLength: 1, maxLength: 24 });

/** An e-mail-shaped string whose local part and domain carry confusable characters (often it passes the shape check). */
export const hostileEmail: fc.Arbitrary<string> = fc.tuple(hostileName, hostileName, fc.constantFrom('com', 'example', 'xn--80ak6aa92e', '\u0441\u043e\u043c'))
  .map(([local, domain, tld]) => `${local}@${domain}.${tld}`);

/** How a form is spoiled: one bad field spliced in (by text), or a content type that is not a form. */
export type Poison = { field: string } | { contentType: string | undefined };

/**
 * One thing that makes a form malformed or oversized: a bad escape or a control character in a name or a
 * value, a field sent twice, a field longer than its schema allows (for `limits`), a body over the 16 KiB
 * form limit, or a body under the wrong content type.
 */
export function poison(names: readonly string[], limits: Readonly<Record<string, number>>): fc.Arbitrary<Poison> {
  const limited = Object.keys(limits);
  return fc.oneof(
    // CR and LF are allowed in values (http/malformed-input.ts), so they spoil nothing.
    fc.tuple(fc.constantFrom(...names, 'x'), badEscape.filter((e) => e !== '%0D%0A')).map(([n, bad]) => ({ field: `${n}=a${bad}` })),
    fc.constantFrom('x=%00', 'a%00=1', 'a%0A=1', 'x=%C0%80', 'x=%ED%A0%80', 'x=%FF', 'x=%1B%5B31m').map((field) => ({ field })),
    fc.constantFrom(...names).map((n) => ({ field: `${n}=dup&${n}=dup` })),
    ...(limited.length ? [fc.constantFrom(...limited).map((n) => ({ field: `${n}=${'7'.repeat(limits[n]! + 1)}` }))] : []),
    fc.constant({ field: `x=${'a'.repeat(17 * 1024)}` }),
    fc.constantFrom<string | undefined>('application/json', 'text/plain', 'multipart/form-data; boundary=x', 'application/xml', undefined).map((contentType) => ({ contentType })),
  );
}
