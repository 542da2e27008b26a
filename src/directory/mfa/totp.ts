import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Time-based one-time passwords (RFC 6238) as authenticator apps implement them: HMAC-SHA-1, 6 digits,
 * 30-second steps counted from the Unix epoch, the shared secret in base32 (RFC 4648 §6) in an otpauth URI.
 * Other algorithms and lengths are left out on purpose: several popular apps silently ignore them and then
 * show codes that never match.
 */

export const TOTP_DIGITS = 6;
export const TOTP_PERIOD_SECONDS = 30;
/** Steps either side of the current one that are accepted: clock drift and the time it takes to type. */
export const TOTP_WINDOW = 1;
/** 160 bits, the HMAC-SHA-1 block-output size RFC 4226 §4 recommends for the shared secret. */
const SECRET_BYTES = 20;

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** RFC 4648 base32 without padding (authenticator apps accept and show it that way). */
export function base32Encode(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32[(buffer << (5 - bits)) & 31];
  return out;
}

/** Decodes base32, ignoring case, spaces and padding; throws RangeError on any other character. */
export function base32Decode(text: string): Buffer {
  const clean = text.replace(/[\s=]/g, '').toUpperCase();
  const bytes: number[] = [];
  let buffer = 0;
  let bits = 0;
  for (const char of clean) {
    const value = BASE32.indexOf(char);
    if (value < 0) throw new RangeError('not a base32 string');
    buffer = ((buffer << 5) | value) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      bytes.push((buffer >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(bytes);
}

/** A fresh shared secret, base32-encoded. */
export function generateTotpSecret(): string {
  return base32Encode(randomBytes(SECRET_BYTES));
}

/** The time step a moment falls in (RFC 6238 §4.2: T = floor((now - T0) / X), T0 = 0). */
export function totpStep(at: Date): number {
  return Math.floor(at.getTime() / 1000 / TOTP_PERIOD_SECONDS);
}

/** The code for one time step: HOTP (RFC 4226 §5.3) of the step as an 8-byte big-endian counter. */
export function totpCode(secret: Buffer, step: number, digits = TOTP_DIGITS): string {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac('sha1', secret).update(counter).digest();
  const offset = mac[mac.length - 1]! & 0x0f;
  const binary = (mac.readUInt32BE(offset) & 0x7fffffff) % 10 ** digits;
  return String(binary).padStart(digits, '0');
}

/**
 * The time step whose code `code` is, within the window around `at`, or undefined. Every step in the window
 * is compared in constant time and none ends the loop early, so timing tells nothing about near misses.
 * Replay protection (a step already used) is the caller's: it needs the database.
 */
export function matchTotp(secret: Buffer, code: string, at: Date): number | undefined {
  if (!/^\d{6}$/.test(code)) return undefined;
  const current = totpStep(at);
  let matched: number | undefined;
  for (let step = current - TOTP_WINDOW; step <= current + TOTP_WINDOW; step += 1) {
    if (step < 0) continue;
    if (timingSafeEqual(Buffer.from(totpCode(secret, step)), Buffer.from(code)) && matched === undefined) matched = step;
  }
  return matched;
}

/**
 * The otpauth URI authenticator apps read from the QR code (Google Authenticator's "Key Uri Format"):
 * the label `Issuer:account`, and the issuer again as a parameter, which newer apps prefer.
 */
export function otpauthUri(input: { issuer: string; account: string; secret: string }): string {
  const label = `${encodeURIComponent(input.issuer)}:${encodeURIComponent(input.account)}`;
  // Percent-encoding, not URLSearchParams: some apps show a form-encoded space ('+') literally.
  const params = { secret: input.secret, issuer: input.issuer, algorithm: 'SHA1', digits: String(TOTP_DIGITS), period: String(TOTP_PERIOD_SECONDS) };
  return `otpauth://totp/${label}?${Object.entries(params).map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&')}`;
}
