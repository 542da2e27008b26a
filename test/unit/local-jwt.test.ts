import { createHmac, generateKeyPairSync, sign as cryptoSign, type KeyObject } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { exportJWK, SignJWT, type JWK, type JWTPayload } from 'jose';
import { createLocalJwtVerifier, LocalJwtError, type LocalJwtExpectations, type LocalKeySet } from '../../src/oidc/local-jwt.js';

const ISSUER = 'https://id.example.test';
const NOW = new Date('2026-06-01T12:00:00Z');
const nowSeconds = Math.floor(NOW.getTime() / 1000);

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const ed = generateKeyPairSync('ed25519');
const otherRsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const shortRsa = generateKeyPairSync('rsa', { modulusLength: 1024 });

async function publicJwk(key: KeyObject, kid: string, alg: string): Promise<JWK> {
  return { ...(await exportJWK(key)), kid, alg, use: 'sig' };
}

const keySet: LocalKeySet = {
  version: 'v1',
  publicJwks: [
    await publicJwk(rsa.publicKey, 'rsa-1', 'RS256'),
    await publicJwk(ec.publicKey, 'ec-1', 'ES256'),
    await publicJwk(ed.publicKey, 'ed-1', 'EdDSA'),
    await publicJwk(shortRsa.publicKey, 'rsa-short', 'RS256'),
  ],
};

const expectations = (overrides: Partial<LocalJwtExpectations> = {}): LocalJwtExpectations => ({
  issuer: ISSUER, algorithms: ['RS256', 'ES256', 'EdDSA'], typ: 'at+jwt', requiredClaims: ['exp', 'iat', 'jti', 'sub'],
  clockToleranceSeconds: 2, now: NOW, ...overrides,
});

const claims = (overrides: JWTPayload = {}): JWTPayload => ({ iss: ISSUER, sub: 'user-1', jti: 'j-1', iat: nowSeconds - 10, exp: nowSeconds + 300, aud: 'api', ...overrides });

function sign(payload: JWTPayload, header: Record<string, unknown>, key: KeyObject): Promise<string> {
  return new SignJWT(payload).setProtectedHeader({ typ: 'at+jwt', alg: 'RS256', ...header }).sign(key);
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

function refusal(verify: () => unknown): string {
  try {
    verify();
  } catch (error) {
    if (error instanceof LocalJwtError) return error.code;
    throw error;
  }
  throw new Error('the token was accepted');
}

const token = (payload: JWTPayload, header: Record<string, unknown> = {}) => sign(payload, { alg: 'RS256', kid: 'rsa-1', ...header }, rsa.privateKey);
const plain = await token(claims());
const unknownKid = await token(claims(), { kid: 'nope' });
const noKid = await new SignJWT(claims()).setProtectedHeader({ alg: 'RS256', typ: 'at+jwt' }).sign(rsa.privateKey);
// jose will not sign with a short key; node:crypto will, as an attacker's tooling would.
/** RS256 by hand, for headers jose refuses to sign (as an attacker's tooling would sign them). */
function rawRs256(header: Record<string, unknown>, payload: JWTPayload, key: KeyObject): string {
  const signed = `${b64(header)}.${b64(payload)}`;
  return `${signed}.${cryptoSign('sha256', Buffer.from(signed), key).toString('base64url')}`;
}
const short = rawRs256({ alg: 'RS256', typ: 'at+jwt', kid: 'rsa-short' }, claims(), shortRsa.privateKey);
const idToken = await token(claims(), { typ: 'JWT' });
const foreignIssuer = await token(claims({ iss: 'https://evil.example.test' }));
const noJti = await token(claims({ jti: undefined }));
const stringExp = await token(claims({ exp: String(nowSeconds + 300) as unknown as number }));
const expired = await token(claims({ exp: nowSeconds - 2 }));
const notYet = await token(claims({ nbf: nowSeconds + 3 }));

describe('local JWT verification with node:crypto', () => {
  const verify = createLocalJwtVerifier(() => keySet);

  it('accepts a token of each signing algorithm by its own key, and returns its header and payload', async () => {
    for (const [alg, kid, key] of [['RS256', 'rsa-1', rsa.privateKey], ['ES256', 'ec-1', ec.privateKey], ['EdDSA', 'ed-1', ed.privateKey]] as const) {
      const verified = verify(await sign(claims(), { alg, kid }, key), expectations());
      expect(verified.header).toMatchObject({ alg, kid, typ: 'at+jwt' });
      expect(verified.payload).toMatchObject({ sub: 'user-1', jti: 'j-1' });
    }
  });

  it('accepts the media-type form of typ, in any case (RFC 8725 §3.11)', async () => {
    const token = await sign(claims(), { alg: 'RS256', kid: 'rsa-1', typ: 'Application/AT+JWT' }, rsa.privateKey);
    expect(verify(token, expectations()).payload.sub).toBe('user-1');
  });

  it('refuses an unsigned token (alg none) and an HMAC signed with the RSA public key as its secret', async () => {
    const payload = b64(claims());
    expect(refusal(() => verify(`${b64({ alg: 'none', typ: 'at+jwt', kid: 'rsa-1' })}.${payload}.`, expectations()))).toBe('malformed');
    const header = b64({ alg: 'HS256', typ: 'at+jwt', kid: 'rsa-1' });
    const secret = rsa.publicKey.export({ type: 'spki', format: 'pem' });
    const mac = createHmac('sha256', secret).update(`${header}.${payload}`).digest('base64url');
    expect(refusal(() => verify(`${header}.${payload}.${mac}`, expectations()))).toBe('algorithm_not_allowed');
  });

  it('refuses an algorithm the caller does not accept, and a key of another type than the header claims', async () => {
    const es = await sign(claims(), { alg: 'ES256', kid: 'ec-1' }, ec.privateKey);
    expect(refusal(() => verify(es, expectations({ algorithms: ['RS256'] })))).toBe('algorithm_not_allowed');
    // A name every object has through its prototype is not an algorithm, even where a caller lists it.
    const inherited = rawRs256({ alg: 'constructor', typ: 'at+jwt', kid: 'rsa-1' }, claims(), rsa.privateKey);
    expect(refusal(() => verify(inherited, expectations({ algorithms: ['constructor'] })))).toBe('algorithm_not_allowed');
    // An EdDSA signature presented under the RSA key's kid: the key decides, and it does not fit.
    const mismatched = await sign(claims(), { alg: 'EdDSA', kid: 'rsa-1' }, ed.privateKey);
    expect(refusal(() => verify(mismatched, expectations()))).toBe('unknown_key');
  });

  it('refuses an unknown or missing kid, an RSA key under 2048 bits, and a key no longer published', async () => {
    expect(refusal(() => verify(unknownKid, expectations()))).toBe('unknown_key');
    expect(refusal(() => verify(noKid, expectations()))).toBe('unknown_key');
    expect(refusal(() => verify(short, expectations()))).toBe('unknown_key');
    let current = keySet;
    const rotating = createLocalJwtVerifier(() => current);
    const token = await sign(claims(), { alg: 'RS256', kid: 'rsa-1' }, rsa.privateKey);
    expect(rotating(token, expectations()).payload.sub).toBe('user-1');
    current = { version: 'v2', publicJwks: keySet.publicJwks.filter((k) => k.kid !== 'rsa-1') };
    expect(refusal(() => rotating(token, expectations()))).toBe('unknown_key');
  });

  it('refuses a signature by another key under a published kid, a tampered payload, and a truncated signature', async () => {
    const forged = await sign(claims(), { alg: 'RS256', kid: 'rsa-1' }, otherRsa.privateKey);
    expect(refusal(() => verify(forged, expectations()))).toBe('bad_signature');
    const [header, , signature] = (await sign(claims(), { alg: 'RS256', kid: 'rsa-1' }, rsa.privateKey)).split('.');
    expect(refusal(() => verify(`${header}.${b64(claims({ sub: 'admin' }))}.${signature}`, expectations()))).toBe('bad_signature');
    const [esHeader, esPayload, esSignature] = (await sign(claims(), { alg: 'ES256', kid: 'ec-1' }, ec.privateKey)).split('.');
    expect(refusal(() => verify(`${esHeader}.${esPayload}.${esSignature!.slice(0, 40)}`, expectations()))).toBe('bad_signature');
  });

  it('refuses critical extensions and unencoded payloads, and input that is not a compact JWS', async () => {
    const critical = rawRs256({ alg: 'RS256', typ: 'at+jwt', kid: 'rsa-1', crit: ['exp'], exp: 1 }, claims(), rsa.privateKey);
    expect(refusal(() => verify(critical, expectations()))).toBe('unsupported_header');
    const unencoded = rawRs256({ alg: 'RS256', typ: 'at+jwt', kid: 'rsa-1', b64: false }, claims(), rsa.privateKey);
    expect(refusal(() => verify(unencoded, expectations()))).toBe('unsupported_header');
    for (const junk of ['', 'a.b', 'a.b.c.d', `${b64([1])}.${b64(claims())}.sig`, `${'a'.repeat(9000)}.b.c`, 'a b.c.d']) {
      expect(refusal(() => verify(junk, expectations()))).toBe('malformed');
    }
  });

  it('holds the type, issuer, audience, required claims and times to what the caller expects', async () => {
    expect(refusal(() => verify(idToken, expectations()))).toBe('wrong_type');
    expect(refusal(() => verify(foreignIssuer, expectations()))).toBe('wrong_issuer');
    expect(refusal(() => verify(plain, expectations({ audience: 'other' })))).toBe('wrong_audience');
    expect(verify(plain, expectations({ audience: 'api' })).payload.aud).toBe('api');
    expect(refusal(() => verify(noJti, expectations()))).toBe('claim_missing');
    expect(refusal(() => verify(stringExp, expectations()))).toBe('claim_invalid');
    // Two seconds of tolerance on either side, as the verifiers had with jose.
    expect(verify(await token(claims({ exp: nowSeconds - 1 })), expectations()).payload.sub).toBe('user-1');
    expect(refusal(() => verify(expired, expectations()))).toBe('expired');
    expect(verify(await token(claims({ nbf: nowSeconds + 2 })), expectations()).payload.sub).toBe('user-1');
    expect(refusal(() => verify(notYet, expectations()))).toBe('not_yet_valid');
  });

  it('remembers a verified token by its text, a bounded number of them, and still holds each use to its caller and the time', async () => {
    const remembering = createLocalJwtVerifier(() => keySet, { rememberVerified: 2 });
    const es = await sign(claims(), { alg: 'ES256', kid: 'ec-1' }, ec.privateKey);
    expect(remembering(es, expectations()).payload.sub).toBe('user-1');
    expect(remembering.remembered()).toBe(1);
    // Verified for a caller that accepts ES256: one that accepts only RS256 still refuses it, and so on.
    expect(refusal(() => remembering(es, expectations({ algorithms: ['RS256'] })))).toBe('algorithm_not_allowed');
    expect(refusal(() => remembering(es, expectations({ typ: 'JWT' })))).toBe('wrong_type');
    expect(refusal(() => remembering(es, expectations({ audience: 'other' })))).toBe('wrong_audience');
    expect(refusal(() => remembering(es, expectations({ now: new Date(NOW.getTime() + 600_000) })))).toBe('expired');
    // What callers get is shared, so it cannot be changed under the next one.
    const { payload } = remembering(es, expectations());
    expect(() => { (payload as Record<string, unknown>).sub = 'admin'; }).toThrow(TypeError);
    expect(remembering(es, expectations()).payload.sub).toBe('user-1');
    // A refused token is never remembered; the oldest goes first once the bound is reached.
    const forged = await sign(claims(), { alg: 'RS256', kid: 'rsa-1' }, otherRsa.privateKey);
    expect(refusal(() => remembering(forged, expectations()))).toBe('bad_signature');
    expect(remembering.remembered()).toBe(1);
    for (const jti of ['a', 'b', 'c']) remembering(await token(claims({ jti })), expectations());
    expect(remembering.remembered()).toBe(2);
    const nested = await token(claims({ groups: ['readers'] }));
    const groups = remembering(nested, expectations()).payload.groups as string[];
    expect(() => groups.push('admins')).toThrow(TypeError);
    expect(remembering(nested, expectations()).payload.groups).toEqual(['readers']);
  });
});
