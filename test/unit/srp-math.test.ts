import { describe, expect, it } from 'vitest';
import { padHex } from '../../src/lib/srp/pad-hex.js';
import { N, g, k, modPowN, modPowNReference, powG } from '../../src/lib/srp/srp-group.js';
import { deriveSrpVerifier } from '../../src/lib/srp/srp-verifier.js';
import { acceptableClientPublic, claimSignature, randomServerSecret, serverPublic, serverSessionKey, sessionKeyForScramble, signatureMatches } from '../../src/lib/srp/srp-server.js';
import { formatSrpTimestamp, parseSrpTimestamp, timestampAcceptable } from '../../src/cognito/srp/srp-timestamp.js';
import { srpClient } from '../support/srp-client.js';

describe('SRP group and encoding', () => {
  it('N is the 3072-bit prime whose hex starts and ends with 16 F, g is 2', () => {
    const hex = N.toString(16).toUpperCase();
    expect(hex).toHaveLength(768);
    expect(hex.slice(0, 24)).toBe('FFFFFFFFFFFFFFFFC90FDAA2');
    expect(hex.slice(-16)).toBe('FFFFFFFFFFFFFFFF');
    expect(g).toBe(2n);
  });

  it('k is H(padHex(N) ‖ padHex(g)) = 538282c4…9ee6', () => {
    expect(k.toString(16)).toBe('538282c4354742d7cbbde2359fcf67f9f5b3a6b08791e5011b43b8a5b66d9ee6');
  });

  it.each([
    [0n, '00'], [1n, '01'], [0x7fn, '7f'], [0x80n, '0080'], [0xffn, '00ff'], [0x100n, '0100'],
    [0xabcn, '0abc'], [0x8abcn, '008abc'], [0x7fffn, '7fff'],
  ])('padHex(%s) is %s', (value, hex) => {
    expect(padHex(value)).toBe(hex);
  });

  it('padHex refuses a negative number', () => {
    expect(() => padHex(-1n)).toThrow(RangeError);
  });

  it('powG and modPowN (OpenSSL) agree with BigInt square-and-multiply, also for the bases OpenSSL refuses', () => {
    const e = 0x1234567890abcdef1234567890abcdefn;
    expect(powG(e)).toBe(modPowNReference(g, e));
    for (const base of [0n, 1n, 2n, 3n, N - 2n, N - 1n, N, N + 5n, k, BigInt(`0x${'9'.repeat(700)}`)]) {
      expect(modPowN(base, e)).toBe(modPowNReference(base, e));
      expect(modPowN(base, e + 1n)).toBe(modPowNReference(base, e + 1n));
    }
    expect(modPowN(5n, 0n)).toBe(1n);
  });

  it('A ≡ 0 mod N is refused, A = 1 accepted by this check', () => {
    expect(acceptableClientPublic(0n)).toBe(false);
    expect(acceptableClientPublic(N)).toBe(false);
    expect(acceptableClientPublic(2n * N)).toBe(false);
    expect(acceptableClientPublic(1n)).toBe(true);
  });
});

describe('the shared test vector (amazon-cognito-identity-js 6.3.21)', () => {
  const poolName = 'abcdEFGH1';
  const a = BigInt(`0x${'a'.repeat(64)}`);
  const b = BigInt(`0x${'b'.repeat(64)}`);
  const secretBlock = Buffer.from(Array.from({ length: 48 }, (_, i) => i));
  const timestamp = 'Tue Dec 1 14:05:03 UTC 2026';
  const { verifier } = deriveSrpVerifier(poolName, 'alice', 'Passw0rd!', Buffer.from('5a1ed5a1ed5a1ed5a1ed5a1ed5a1ed5a', 'hex'));

  it('gives K b86dd938… and the signature fcxTupW1…', () => {
    const v = BigInt(`0x${verifier}`);
    const B = serverPublic(v, b);
    const key = serverSessionKey({ A: powG(a), B, b, verifier: v })!;
    expect(key.toString('hex')).toBe('b86dd9382ef807778c75c47dd567c432');
    expect(claimSignature(key, { poolName, userIdForSrp: 'alice', secretBlock, timestamp }).toString('base64')).toBe('fcxTupW1NMkGHYHDNMyiZlFMZUtCzO+BeW20ON8WW6Y=');
  });

  it('emits the salt padHex-canonical (a first byte ≥ 0x80 gets 00 in front)', () => {
    expect(deriveSrpVerifier(poolName, 'alice', 'x', Buffer.alloc(16, 0xff)).salt).toBe(`00${'ff'.repeat(16)}`);
    expect(deriveSrpVerifier(poolName, 'alice', 'x', Buffer.alloc(16, 0)).salt).toBe('00');
  });
});

describe('TIMESTAMP', () => {
  const now = new Date(Date.UTC(2026, 11, 1, 14, 5, 3));

  it('reads Cognito\'s format with an unpadded day', () => {
    expect(parseSrpTimestamp('Tue Dec 1 14:05:03 UTC 2026')).toEqual(now);
    expect(formatSrpTimestamp(now)).toBe('Tue Dec 1 14:05:03 UTC 2026');
  });

  it.each([
    ['a padded day', 'Tue Dec 01 14:05:03 UTC 2026'],
    ['a wrong weekday', 'Wed Dec 1 14:05:03 UTC 2026'],
    ['an unpadded hour', 'Tue Dec 1 4:05:03 UTC 2026'],
    ['a date that does not exist', 'Tue Feb 31 14:05:03 UTC 2026'],
    ['another zone', 'Tue Dec 1 14:05:03 GMT 2026'],
    ['trailing text', 'Tue Dec 1 14:05:03 UTC 2026 '],
  ])('refuses %s', (_, text) => {
    expect(parseSrpTimestamp(text)).toBeUndefined();
  });

  it('accepts 15 minutes either way and not more', () => {
    expect(timestampAcceptable(formatSrpTimestamp(new Date(now.getTime() + 15 * 60_000)), now)).toBe(true);
    expect(timestampAcceptable(formatSrpTimestamp(new Date(now.getTime() - 15 * 60_000)), now)).toBe(true);
    expect(timestampAcceptable(formatSrpTimestamp(new Date(now.getTime() + 15 * 60_000 + 1000)), now)).toBe(false);
    expect(timestampAcceptable(formatSrpTimestamp(new Date(now.getTime() - 15 * 60_000 - 1000)), now)).toBe(false);
  });
});

describe('an exchange with amazon-cognito-identity-js\'s AuthenticationHelper as the client', () => {
  const poolName = 'Xy12abCD3';
  const userId = '6f1c1d7e-8a51-4f8e-9d54-0f3c2b9a7e11';
  const { salt, verifier } = deriveSrpVerifier(poolName, userId, 'correct horse battery');
  const secretBlock = Buffer.alloc(64, 7);

  function serverSide(A: string) {
    const b = randomServerSecret();
    const v = BigInt(`0x${verifier}`);
    const B = serverPublic(v, b);
    const parameters = { USER_ID_FOR_SRP: userId, SRP_B: B.toString(16), SALT: salt, SECRET_BLOCK: secretBlock.toString('base64') };
    const check = (answer: { TIMESTAMP: string; PASSWORD_CLAIM_SIGNATURE: string; PASSWORD_CLAIM_SECRET_BLOCK: string }) => {
      const key = serverSessionKey({ A: BigInt(`0x${A}`), B, b, verifier: v })!;
      const expected = claimSignature(key, { poolName, userIdForSrp: userId, secretBlock: Buffer.from(answer.PASSWORD_CLAIM_SECRET_BLOCK, 'base64'), timestamp: answer.TIMESTAMP });
      return signatureMatches(expected, answer.PASSWORD_CLAIM_SIGNATURE);
    };
    return { parameters, check };
  }

  it('the right password verifies', () => {
    for (let i = 0; i < 3; i += 1) {
      const client = srpClient(poolName);
      const server = serverSide(client.A);
      expect(server.check(client.answer(server.parameters, 'correct horse battery'))).toBe(true);
    }
  });

  it('a wrong password does not', () => {
    const client = srpClient(poolName);
    const server = serverSide(client.A);
    expect(server.check(client.answer(server.parameters, 'correct horse batterY'))).toBe(false);
  });

  it('a tampered TIMESTAMP, SECRET_BLOCK or signature is refused', () => {
    const client = srpClient(poolName);
    const server = serverSide(client.A);
    const answer = client.answer(server.parameters, 'correct horse battery');
    expect(server.check(answer)).toBe(true);
    expect(server.check({ ...answer, TIMESTAMP: answer.TIMESTAMP.replace(/:(\d)(\d) UTC/, (_, a: string, b: string) => `:${a}${(Number(b) + 1) % 10} UTC`) })).toBe(false);
    const block = Buffer.from(answer.PASSWORD_CLAIM_SECRET_BLOCK, 'base64');
    block[0]! ^= 1;
    expect(server.check({ ...answer, PASSWORD_CLAIM_SECRET_BLOCK: block.toString('base64') })).toBe(false);
    const signature = Buffer.from(answer.PASSWORD_CLAIM_SIGNATURE, 'base64');
    signature[31]! ^= 1;
    expect(server.check({ ...answer, PASSWORD_CLAIM_SIGNATURE: signature.toString('base64') })).toBe(false);
    expect(server.check({ ...answer, PASSWORD_CLAIM_SIGNATURE: '' })).toBe(false);
  });

  it('u = 0 gives no key (S would not depend on the verifier)', () => {
    expect(sessionKeyForScramble(0n, { A: 5n, b: 2n, verifier: 3n })).toBeUndefined();
    expect(sessionKeyForScramble(1n, { A: 5n, b: 2n, verifier: 3n })).toHaveLength(16);
  });
});
