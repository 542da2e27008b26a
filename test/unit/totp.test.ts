import { describe, expect, it } from 'vitest';
import { generateRecoveryCodes, normalizeRecoveryCode } from '../../src/directory/mfa/recovery-codes.js';
import { base32Decode, base32Encode, generateTotpSecret, matchTotp, otpauthUri, totpCode, totpStep } from '../../src/directory/mfa/totp.js';

/** RFC 6238 Appendix B: the SHA-1 rows (seed "12345678901234567890", 8 digits, X = 30 s, T0 = 0). */
const RFC6238_SHA1: readonly [seconds: number, code: string][] = [
  [59, '94287082'],
  [1111111109, '07081804'],
  [1111111111, '14050471'],
  [1234567890, '89005924'],
  [2000000000, '69279037'],
  [20000000000, '65353130'],
];
const SEED = Buffer.from('12345678901234567890', 'ascii');

describe('TOTP (RFC 6238)', () => {
  it.each(RFC6238_SHA1)('gives the Appendix B SHA-1 code at T = %i s', (seconds, code) => {
    expect(totpCode(SEED, totpStep(new Date(seconds * 1000)), 8)).toBe(code);
  });

  it('gives 6-digit codes that are the last six digits of the 8-digit ones (same truncation, modulo 10^6)', () => {
    for (const [seconds, code] of RFC6238_SHA1) expect(totpCode(SEED, totpStep(new Date(seconds * 1000)))).toBe(code.slice(2));
  });

  it('accepts a code one step either side of now and names its step, and refuses two steps away', () => {
    const at = new Date(1111111111 * 1000);
    const step = totpStep(at);
    expect(matchTotp(SEED, totpCode(SEED, step), at)).toBe(step);
    expect(matchTotp(SEED, totpCode(SEED, step - 1), at)).toBe(step - 1);
    expect(matchTotp(SEED, totpCode(SEED, step + 1), at)).toBe(step + 1);
    expect(matchTotp(SEED, totpCode(SEED, step + 2), at)).toBeUndefined();
    expect(matchTotp(SEED, totpCode(SEED, step - 2), at)).toBeUndefined();
  });

  it('refuses anything that is not six digits without comparing', () => {
    const at = new Date(59_000);
    expect(matchTotp(SEED, '287082 ', at)).toBeUndefined();
    expect(matchTotp(SEED, '94287082', at)).toBeUndefined();
    expect(matchTotp(SEED, '', at)).toBeUndefined();
  });
});

describe('TOTP secrets and URIs', () => {
  it('round-trips base32 (RFC 4648 test vectors, no padding)', () => {
    expect(base32Encode(Buffer.from('foobar'))).toBe('MZXW6YTBOI');
    expect(base32Decode('mzxw6ytboi======').toString()).toBe('foobar');
    expect(base32Encode(SEED)).toBe('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ');
    expect(() => base32Decode('ABC1')).toThrow(RangeError);
  });

  it('makes 160-bit secrets (32 base32 characters), different every time', () => {
    const a = generateTotpSecret();
    expect(a).toMatch(/^[A-Z2-7]{32}$/);
    expect(base32Decode(a)).toHaveLength(20);
    expect(generateTotpSecret()).not.toBe(a);
  });

  it('builds the otpauth URI with the issuer in the label and as a parameter, percent-encoded', () => {
    const uri = otpauthUri({ issuer: 'Acme Login', account: 'ada@example.com', secret: 'GEZDGNBV' });
    expect(uri).toBe('otpauth://totp/Acme%20Login:ada%40example.com?secret=GEZDGNBV&issuer=Acme%20Login&algorithm=SHA1&digits=6&period=30');
  });
});

describe('recovery codes', () => {
  it('are ten distinct codes of two groups of five Crockford base32 characters', () => {
    const codes = generateRecoveryCodes();
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const code of codes) expect(code).toMatch(/^[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}$/);
  });

  it('are read back whatever the case and separators, with O, I and L read as digits', () => {
    expect(normalizeRecoveryCode('abcde-fghjk')).toBe('ABCDEFGHJK');
    expect(normalizeRecoveryCode(' 0o1il 22222 ')).toBe('0011122222');
    expect(normalizeRecoveryCode('ABCDE-FGHJ')).toBeUndefined();
    expect(normalizeRecoveryCode('ABCDE-FGHJU')).toBeUndefined();
  });
});
