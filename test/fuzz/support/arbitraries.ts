import fc from 'fast-check';

/**
 * Hostile input for every HTTP surface: control characters (NUL first), RTL overrides and other format
 * characters, lone surrogates, 10 KB strings, injection-looking text, and, once encoded, percent-escapes
 * that decode to no UTF-8 at all (`%FF`, the overlong `%C0%80`, an encoded surrogate `%ED%A0%80`).
 */

/** How many cases each property runs; raise it (LATCHKEY_FUZZ_RUNS=5000) for a long hunt. */
export const RUNS = Number(process.env.LATCHKEY_FUZZ_RUNS ?? 200);

const specialUnit = fc.constantFrom(
  '\u0000', '\u0001', '\u0008', '\u000b', '\u001b', '\u007f', '\t', '\r', '\n', '\u0085', '\u00a0',
  '\u202e', '\u202d', '\u2066', '\u200b', '\u200d', '\ufeff', '\u2028', '\ufffd', '\ud800', '\udfff', '\u{1f4a5}', 'e\u0301',
  '%', '%00', '+', '&', '=', ';', ',', '"', "'", '<', '>', '\\', '/', '..', '?', '#', ' ', '*', ':', '@', '{', '}', '[', ']',
);

/** One string of mixed units: any code point, ASCII controls, or one of the specials above. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 8, arbitrary: fc.string({ unit: fc.oneof(fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }), fc.string({ unit: 'binary-ascii', minLength: 1, maxLength: 1 }), specialUnit), maxLength: 40 }) },
  { weight: 1, arbitrary: fc.constantFrom(
    'a'.repeat(10_240), '\u0000'.repeat(1024), '\u202e'.repeat(2048), "' OR '1'='1' --", 'alice\u0000', '<script>alert(1)</script>',
    '{"$ne":null}', '../../../../etc/passwd', 'null', 'undefined', '__proto__', 'constructor', '-1', '1e309', 'NaN', '',
  ) },
);

/** Percent-encoding of the UTF-8 bytes of a string (a lone surrogate becomes U+FFFD, as any encoder does). */
export function percentEncode(value: string): string {
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-._~]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** Escapes that are malformed or decode to something that is not UTF-8 text. */
export const badEscape = fc.constantFrom('%00', '%C0%80', '%FF', '%FE%FF', '%ED%A0%80', '%F4%90%80%80', '%E2%80', '%', '%z', '%zz', '%0', '%0D%0A', '%1B', '%7F');

/** A value as it travels in a query or form: usually well encoded, sometimes with a bad escape spliced in. */
export const encodedValue: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: hostileString.map(percentEncode) },
  { weight: 1, arbitrary: fc.tuple(hostileString, badEscape, hostileString).map(([a, bad, b]) => `${percentEncode(a)}${bad}${percentEncode(b)}`) },
);

/** `name=value&…` over the endpoint's own field names (so repeats happen) and hostile ones. */
export function formText(names: readonly string[], options: { maxFields?: number } = {}): fc.Arbitrary<string> {
  const name = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...names) }, { weight: 1, arbitrary: encodedValue });
  return fc.array(fc.tuple(name, encodedValue, fc.boolean()), { maxLength: options.maxFields ?? 8 })
    .map((fields) => fields.map(([n, v, bare]) => (bare && v === '' ? n : `${n}=${v}`)).join('&'));
}

/** A body and the content type it claims: forms, JSON where a form is expected, raw bytes, 70 KB, nothing. */
export interface HostileBody {
  contentType: string | undefined;
  body: Uint8Array | undefined;
}

const contentType = fc.constantFrom(
  'application/x-www-form-urlencoded', 'application/x-www-form-urlencoded; charset=utf-8', 'application/x-www-form-urlencoded; charset=utf-16le',
  'application/x-www-form-urlencoded; charset=bogus', 'application/json', 'text/plain', 'multipart/form-data; boundary=x', 'application/xml', undefined,
);

export function hostileBody(names: readonly string[]): fc.Arbitrary<HostileBody> {
  const utf8 = (text: string) => new Uint8Array(Buffer.from(text, 'utf8'));
  return fc.oneof(
    { weight: 6, arbitrary: formText(names).map((text) => ({ contentType: 'application/x-www-form-urlencoded', body: utf8(text) })) },
    { weight: 2, arbitrary: fc.tuple(contentType, formText(names)).map(([type, text]) => ({ contentType: type, body: utf8(text) })) },
    { weight: 2, arbitrary: fc.tuple(fc.constantFrom('application/json', 'application/x-www-form-urlencoded'), fc.dictionary(fc.constantFrom(...names), fc.oneof(hostileString, fc.jsonValue({ maxDepth: 3 })), { maxKeys: 6 }))
      .map(([type, object]) => ({ contentType: type, body: utf8(JSON.stringify(object)) })) },
    { weight: 1, arbitrary: fc.tuple(contentType, fc.uint8Array({ maxLength: 600 })).map(([type, bytes]) => ({ contentType: type, body: bytes })) },
    { weight: 1, arbitrary: fc.constantFrom<HostileBody>(
      { contentType: 'application/x-www-form-urlencoded', body: utf8(`${names[0] ?? 'a'}=${'a'.repeat(70 * 1024)}`) },
      { contentType: 'application/json', body: utf8(`{"a":${'['.repeat(5000)}`) },
      { contentType: 'application/x-www-form-urlencoded', body: utf8(`${names.map((n) => `${n}=x`).join('&')}&${names.map((n) => `${n}=y`).join('&')}`) },
      { contentType: undefined, body: undefined },
    ) },
  );
}

/** Header values a client can put on the wire (Latin-1 without NUL, CR, LF), some of them hostile. */
const headerText = fc.string({ unit: fc.oneof(fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 1 }), fc.constantFrom('\t', '\u00ff', '\u0080', '\u00e9', ' ')), maxLength: 60 });

/** An Authorization header: Basic of hostile credentials, a Bearer of junk, a bare scheme, or none. */
export const hostileAuthorization: fc.Arbitrary<string | undefined> = fc.oneof(
  fc.tuple(hostileString, hostileString).map(([id, secret]) => `Basic ${Buffer.from(`${id}:${secret}`, 'utf8').toString('base64')}`),
  fc.tuple(encodedValue, encodedValue).map(([id, secret]) => `Basic ${Buffer.from(`${id}:${secret}`, 'latin1').toString('base64')}`),
  fc.uint8Array({ maxLength: 80 }).map((bytes) => `Basic ${Buffer.from(bytes).toString('base64')}`),
  headerText.map((junk) => `Bearer ${junk}`),
  fc.constantFrom('Basic', 'Bearer', 'Basic !!!', 'Bearer a.b.c', 'DPoP a.b.c', `Bearer ${'a'.repeat(9000)}`),
  headerText,
  fc.constant(undefined),
);

/** Other request headers a hostile client may send. */
export const hostileHeaders: fc.Arbitrary<Record<string, string>> = fc.record({
  accept: fc.constantFrom('text/html', 'application/json', '*/*', 'text/html;q=0', ''),
  cookie: headerText,
  'x-forwarded-for': headerText,
  'x-forwarded-host': headerText,
  'x-forwarded-proto': headerText,
  origin: headerText,
  'x-request-id': headerText,
  'x-amz-target': headerText,
  dpop: headerText,
}, { requiredKeys: [] });

/** A path of hostile segments, percent-encoded or with bad escapes. */
export const hostilePath: fc.Arbitrary<string> = fc.array(encodedValue, { minLength: 1, maxLength: 4 }).map((segments) => `/${segments.join('/')}`);
