import { MalformedInputError } from '../errors/malformed-input-error.js';

/**
 * What Latchkey refuses as malformed, on every surface, before any field reaches a service or the database
 * (a 400 `invalid_request` in the surface's own shape):
 *
 * - invalid percent-encoding, and bytes that are not UTF-8 (`%FF`, the overlong `%C0%80`, an encoded
 *   surrogate `%ED%A0%80`), in a path, a query, a form or Basic client credentials; lone surrogates in JSON.
 *   Decoding them leniently would silently turn them into U+FFFD, a different value from the one sent.
 * - NUL, the other C0 controls and DEL in a field value, except HT, LF and CR: a password may hold a tab,
 *   the `claims` parameter is JSON that may be pretty-printed, and no field of any surface needs the rest.
 *   Postgres cannot store NUL in text at all, so letting it through turns a typo into a 500.
 * - any control character, HT, LF and CR included, in a field name, in the request path, and in Basic client
 *   credentials (RFC 6749 Appendix A: `client_id` and `client_secret` are VSCHAR).
 *
 * Errors name the field (when its name is itself printable) and never echo a value.
 */

/** C0 controls and DEL, except HT, LF, CR. */
// eslint-disable-next-line no-control-regex -- control characters are what this pattern is for
const CONTROL_IN_VALUE = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;
/** Every C0 control and DEL. */
// eslint-disable-next-line no-control-regex -- control characters are what this pattern is for
const CONTROL_ANYWHERE = /[\u0000-\u001F\u007F]/;
/** An unpaired UTF-16 surrogate (with the `u` flag, a well-formed pair is one code point and does not match). */
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

const CONTROL = 'control character';
const ENCODING = 'malformed percent-encoding or bytes that are not UTF-8';

/** A part of the request, named in errors: a field (by its name when printable) or a fixed part. */
export interface Where {
  field: string;
  subject: string;
}

/** Where a named field is, for errors: its own name when that is printable and short, else a stand-in. */
export function fieldWhere(name: string): Where {
  const printable = name.length > 0 && name.length <= 64 && !CONTROL_ANYWHERE.test(name) && !LONE_SURROGATE.test(name);
  return printable ? { field: name, subject: `field "${name}"` } : { field: 'field', subject: 'a field name' };
}

/** A fixed part of the request (`path`, `body`, `authorization`, …), for errors. */
export const part = (field: string, subject: string): Where => ({ field, subject });

/** Refuses a value holding a control character other than HT, LF, CR (or any at all when `strict`). */
export function assertPrintable(value: string, where: Where, options: { strict?: boolean } = {}): void {
  if ((options.strict ? CONTROL_ANYWHERE : CONTROL_IN_VALUE).test(value)) throw new MalformedInputError(where.field, CONTROL, where.subject);
}

/** UTF-8 bytes as text, refusing anything that is not UTF-8 instead of substituting U+FFFD. */
export function decodeUtf8(bytes: Uint8Array, where: Where): string {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    throw new MalformedInputError(where.field, 'bytes that are not UTF-8', where.subject);
  }
}

/** Percent-decoding that refuses malformed escapes and escaped bytes that are not UTF-8. */
export function decodeComponent(text: string, where: Where, options: { plusIsSpace?: boolean } = {}): string {
  try {
    return decodeURIComponent(options.plusIsSpace ? text.replace(/\+/g, ' ') : text);
  } catch {
    throw new MalformedInputError(where.field, ENCODING, where.subject);
  }
}

/**
 * `application/x-www-form-urlencoded` text (a body or a query string) as name/value pairs, in order and
 * with repeats kept, by the rules above. For well-formed input the result equals `URLSearchParams`'s.
 */
export function parseStrictForm(text: string, where: Where = part('body', 'the form')): [string, string][] {
  assertPrintable(text, where);
  const pairs: [string, string][] = [];
  for (const piece of text.split('&')) {
    if (piece === '') continue;
    const eq = piece.indexOf('=');
    const name = decodeComponent(eq < 0 ? piece : piece.slice(0, eq), fieldWhere(''), { plusIsSpace: true });
    assertPrintable(name, fieldWhere(''), { strict: true });
    const value = eq < 0 ? '' : decodeComponent(piece.slice(eq + 1), fieldWhere(name), { plusIsSpace: true });
    assertPrintable(value, fieldWhere(name));
    pairs.push([name, value]);
  }
  return pairs;
}

/** Refuses lone surrogates and disallowed control characters anywhere in a parsed JSON value (names too). */
export function assertWellFormedJson(value: unknown, where: Where = part('body', 'the body'), depth = 0): void {
  if (depth > 32) throw new MalformedInputError(where.field, 'nesting deeper than 32 levels', where.subject);
  if (typeof value === 'string') {
    if (LONE_SURROGATE.test(value)) throw new MalformedInputError(where.field, 'a lone surrogate', where.subject);
    assertPrintable(value, where);
  } else if (Array.isArray(value)) {
    for (const item of value as unknown[]) assertWellFormedJson(item, where, depth + 1);
  } else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      if (LONE_SURROGATE.test(key)) throw new MalformedInputError('field', 'a lone surrogate', 'a field name');
      assertPrintable(key, fieldWhere(''), { strict: true });
      assertWellFormedJson(item, fieldWhere(key), depth + 1);
    }
  }
}

/** The request path: strictly decodable, and no control character at all once decoded. */
export function assertWellFormedPath(path: string): void {
  const where = part('path', 'the path');
  assertPrintable(decodeComponent(path, where), where, { strict: true });
}

/**
 * `Authorization: Basic` client credentials: base64 of `id:secret`, each form-urlencoded (RFC 6749 §2.3.1),
 * must decode to UTF-8 text without control characters. Other schemes are the endpoint's business (a header
 * value itself cannot carry NUL: Node's HTTP parser refuses it).
 */
export function assertWellFormedBasicCredentials(authorization: string): void {
  const match = /^basic\s+(\S*)\s*$/i.exec(authorization);
  if (!match) return;
  const where = part('authorization', 'the Basic client credentials');
  const decoded = decodeUtf8(Buffer.from(match[1]!, 'base64'), where);
  for (const half of decoded.split(':')) assertPrintable(decodeComponent(half, where, { plusIsSpace: true }), where, { strict: true });
}
