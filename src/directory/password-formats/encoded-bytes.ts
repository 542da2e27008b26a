/**
 * Strict decoders for the byte strings inside hash formats. `Buffer.from(text, 'base64')` skips characters
 * it does not know, so "abc!" and "abc" decode alike; a hash that differs from what was exported must be
 * refused at import, not silently changed, so every character is checked first.
 */

const STANDARD = /^[A-Za-z0-9+/]*={0,2}$/;
/** passlib's "adapted base64" (ab64): `.` instead of `+`, never padded. */
const ADAPTED = /^[A-Za-z0-9./]*$/;

function decodeChecked(text: string): Buffer | undefined {
  const unpadded = text.replace(/=+$/, '');
  // A length of 4k+1 characters cannot come from any byte string.
  if (unpadded.length % 4 === 1) return undefined;
  if (text.length !== unpadded.length && text.length % 4 !== 0) return undefined;
  return Buffer.from(unpadded, 'base64');
}

/** Standard base64 (RFC 4648 §4), padded or not; undefined when any character is outside the alphabet. */
export function decodeBase64(text: string): Buffer | undefined {
  return STANDARD.test(text) ? decodeChecked(text) : undefined;
}

/** Standard base64 without padding, or passlib's adapted alphabet (`.` for `+`); undefined otherwise. */
export function decodeUnpaddedBase64(text: string): Buffer | undefined {
  return ADAPTED.test(text) || /^[A-Za-z0-9+/]*$/.test(text) ? decodeChecked(text.replaceAll('.', '+')) : undefined;
}

/** Standard base64 with padding, as Firebase's console and exports print their values. */
export function encodeBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64');
}
