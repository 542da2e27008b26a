import { generateKeyPairSync } from 'node:crypto';
import { decodeProtectedHeader, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import type { Clock } from '../../src/lib/clock.js';
import { genericOidcPolicy } from '../../src/federation/upstream-policy.js';
import { googlePolicy } from '../../src/federation/providers/google.js';
import { expectedEntraIssuer, microsoftPolicy } from '../../src/federation/providers/microsoft.js';
import { appleBoolean, applePolicy, normalizeAppleClaims, parseAppleUser } from '../../src/federation/providers/apple.js';
import { APPLE_CLIENT_SECRET_MAX_TTL, appleClientSecret, createAppleClientSecretSource } from '../../src/federation/providers/apple-client-secret.js';
import { MICROSOFT_CONSUMERS_TENANT } from '../../src/config/federation-config.js';
import { loadConfig } from '../../src/config/load-config.js';
import { configuredUpstreams } from '../../src/federation/providers/configured-providers.js';

const TENANT = '3f2504e0-4f89-11d3-9a0c-0305e82c3301';
const OTHER_TENANT = 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee';
const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const PEM = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const apple = { clientId: 'com.example.web', teamId: 'TEAM123456', keyId: 'KEY1234567', privateKey: PEM };

function movableClock(start: string): Clock & { advance(seconds: number): void } {
  let now = new Date(start).getTime();
  return { now: () => new Date(now), advance: (seconds) => { now += seconds * 1000; } };
}

describe('generic OIDC policy', () => {
  it('trusts only a boolean email_verified, and only when the administrator marked the provider as verifying', async () => {
    const trusted = genericOidcPolicy({ trustsEmailVerification: true, clientSecret: 's' });
    const untrusted = genericOidcPolicy({ trustsEmailVerification: false, clientSecret: 's' });
    expect(trusted.verifiedEmail({ email: 'a@example.com', email_verified: true })).toBe('a@example.com');
    expect(trusted.verifiedEmail({ email: 'a@example.com', email_verified: 'true' })).toBeNull();
    expect(untrusted.verifiedEmail({ email: 'a@example.com', email_verified: true })).toBeNull();
    expect(await trusted.clientAuthentication()).toEqual({ method: 'client_secret_post', clientSecret: 's' });
    expect(trusted.profile({ name: ' Ada Lovelace ', given_name: 'Ada', family_name: 42, email: 'a@example.com' })).toEqual({ name: 'Ada Lovelace', given_name: 'Ada', email: 'a@example.com' });
  });
});

describe('Google policy', () => {
  const open = googlePolicy({ clientSecret: 'gs', hostedDomains: [] });
  const workspace = googlePolicy({ clientSecret: 'gs', hostedDomains: ['example.com', 'corp.example.org'] });

  it('refuses a token whose hd claim is missing or not on the allow-list', () => {
    expect(workspace.checkClaims({ sub: '1', hd: 'example.com' })).toEqual({ ok: true });
    expect(workspace.checkClaims({ sub: '1', hd: 'Corp.Example.org' })).toEqual({ ok: true });
    expect(workspace.checkClaims({ sub: '1' })).toMatchObject({ ok: false, reason: expect.stringMatching(/no hosted domain/) });
    expect(workspace.checkClaims({ sub: '1', hd: 'evil.example' })).toMatchObject({ ok: false, reason: expect.stringMatching(/evil\.example is not allowed/) });
    expect(open.checkClaims({ sub: '1' })).toEqual({ ok: true });
  });

  it('sends hd only as a hint when exactly one domain is allowed', () => {
    expect(googlePolicy({ clientSecret: 'gs', hostedDomains: ['Example.com'] }).authorizationParams()).toEqual({ hd: 'example.com' });
    expect(workspace.authorizationParams()).toEqual({});
    expect(open.authorizationParams()).toEqual({});
  });

  it('gives a verified e-mail only for the boolean email_verified true and an allowed hd', () => {
    expect(open.verifiedEmail({ email: 'a@gmail.com', email_verified: true })).toBe('a@gmail.com');
    expect(open.verifiedEmail({ email: 'a@gmail.com', email_verified: 'true' })).toBeNull();
    expect(open.verifiedEmail({ email: 'a@gmail.com', email_verified: false })).toBeNull();
    expect(open.verifiedEmail({ email_verified: true })).toBeNull();
    expect(workspace.verifiedEmail({ email: 'a@example.com', email_verified: true, hd: 'example.com' })).toBe('a@example.com');
    expect(workspace.verifiedEmail({ email: 'a@gmail.com', email_verified: true })).toBeNull();
  });

  it('gives no verified e-mail for an address Google is not authoritative for (neither Gmail nor a Workspace hd)', () => {
    expect(open.verifiedEmail({ email: 'someone@yahoo.example', email_verified: true })).toBeNull();
    expect(open.verifiedEmail({ email: 'A@Gmail.com', email_verified: true })).toBe('A@Gmail.com');
    expect(open.verifiedEmail({ email: 'someone@corp.example', email_verified: true, hd: 'corp.example' })).toBe('someone@corp.example');
  });
});

describe('Microsoft Entra ID policy', () => {
  const listed = microsoftPolicy({ clientSecret: 'ms', allowedTenants: [TENANT] });

  it('refuses a token from a tenant not on the allow-list, or without a tid', () => {
    expect(listed.checkClaims({ tid: TENANT })).toEqual({ ok: true });
    expect(listed.checkClaims({ tid: TENANT.toUpperCase() })).toEqual({ ok: true });
    expect(listed.checkClaims({ tid: OTHER_TENANT })).toMatchObject({ ok: false, reason: expect.stringMatching(/not allowed/) });
    expect(listed.checkClaims({ tid: MICROSOFT_CONSUMERS_TENANT })).toMatchObject({ ok: false });
    expect(listed.checkClaims({})).toMatchObject({ ok: false });
    const any = microsoftPolicy({ clientSecret: 'ms', allowedTenants: 'any' });
    expect(any.checkClaims({ tid: OTHER_TENANT })).toEqual({ ok: true });
    expect(any.checkClaims({ tid: 'not-a-guid' })).toMatchObject({ ok: false });
  });

  it('never reports a verified e-mail, whatever the token claims', () => {
    expect(listed.verifiedEmail({ tid: TENANT, email: 'ceo@example.com', email_verified: true, xms_edov: true })).toBeNull();
  });

  it('maps the profile from name, given_name, family_name and preferred_username', () => {
    expect(listed.profile({ name: 'Ada Lovelace', given_name: 'Ada', family_name: 'Lovelace', preferred_username: 'ada@contoso.com' })).toEqual({ name: 'Ada Lovelace', given_name: 'Ada', family_name: 'Lovelace', email: 'ada@contoso.com' });
    expect(listed.profile({ name: 'Ada', preferred_username: '+15551234567' })).toEqual({ name: 'Ada' });
  });

  it('expands the {tenantid} issuer template with the token tid, and only with a tenant ID', () => {
    const template = 'https://login.microsoftonline.com/{tenantid}/v2.0';
    expect(expectedEntraIssuer(template, TENANT.toUpperCase())).toBe(`https://login.microsoftonline.com/${TENANT}/v2.0`);
    expect(expectedEntraIssuer(template, 'common')).toBeNull();
    expect(expectedEntraIssuer(template, '../evil')).toBeNull();
    expect(expectedEntraIssuer(`https://login.microsoftonline.com/${TENANT}/v2.0`, OTHER_TENANT)).toBe(`https://login.microsoftonline.com/${TENANT}/v2.0`);
  });
});

describe('Apple client secret', () => {
  it('is an ES256 JWT that verifies with the public key, with Apple’s header, claims and a one-hour lifetime', async () => {
    const clock = movableClock('2026-03-01T12:00:00Z');
    const { jwt, expiresAt } = await appleClientSecret({ teamId: apple.teamId, keyId: apple.keyId, servicesId: apple.clientId, privateKey: PEM, clock });
    expect(decodeProtectedHeader(jwt)).toEqual({ alg: 'ES256', kid: 'KEY1234567' });
    const { payload } = await jwtVerify(jwt, publicKey, { algorithms: ['ES256'], currentDate: clock.now(), issuer: 'TEAM123456', subject: 'com.example.web', audience: 'https://appleid.apple.com' });
    const iat = Date.parse('2026-03-01T12:00:00Z') / 1000;
    expect(payload).toEqual({ iss: 'TEAM123456', sub: 'com.example.web', aud: 'https://appleid.apple.com', iat, exp: iat + 3600 });
    expect(expiresAt).toBe(iat + 3600);
    await expect(jwtVerify(jwt, generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey, { currentDate: clock.now() })).rejects.toThrow();
  });

  it('refuses a lifetime beyond Apple’s 15,777,000-second limit', async () => {
    const clock = movableClock('2026-03-01T12:00:00Z');
    await expect(appleClientSecret({ teamId: 'T', keyId: 'K', servicesId: 'S', privateKey: PEM, clock, ttlSeconds: APPLE_CLIENT_SECRET_MAX_TTL + 1 })).rejects.toThrow(RangeError);
    const longest = await appleClientSecret({ teamId: 'T', keyId: 'K', servicesId: 'S', privateKey: PEM, clock, ttlSeconds: APPLE_CLIENT_SECRET_MAX_TTL });
    const { payload } = await jwtVerify(longest.jwt, publicKey, { currentDate: clock.now() });
    expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBe(APPLE_CLIENT_SECRET_MAX_TTL);
  });

  it('is cached, shared by concurrent callers, and re-signed once fewer than five minutes remain', async () => {
    const clock = movableClock('2026-03-01T12:00:00Z');
    const source = createAppleClientSecretSource({ teamId: apple.teamId, keyId: apple.keyId, servicesId: apple.clientId, privateKey: PEM, clock });
    const [first, concurrent] = await Promise.all([source.current(), source.current()]);
    expect(concurrent).toBe(first); // ES256 signatures are randomised: equal means one signing
    clock.advance(3600 - 300);
    expect(await source.current()).toBe(first); // exactly five minutes left: still served
    clock.advance(1);
    const renewed = await source.current();
    expect(renewed).not.toBe(first);
    const { payload } = await jwtVerify(renewed, publicKey, { currentDate: clock.now() });
    expect(payload.iat).toBe(Date.parse('2026-03-01T12:55:01Z') / 1000);
  });

  it('is what the Apple policy authenticates with, by client_secret_post', async () => {
    const clock = movableClock('2026-03-01T12:00:00Z');
    const policy = applePolicy(apple, { clock });
    const auth = await policy.clientAuthentication();
    expect(auth.method).toBe('client_secret_post');
    const { payload } = await jwtVerify(auth.clientSecret, publicKey, { currentDate: clock.now(), audience: 'https://appleid.apple.com' });
    expect(payload.sub).toBe('com.example.web');
    expect((await policy.clientAuthentication()).clientSecret).toBe(auth.clientSecret);
  });
});

describe('Apple policy', () => {
  const policy = applePolicy(apple, { clock: movableClock('2026-03-01T12:00:00Z') });

  it('asks for form_post with the openid name email scope', () => {
    expect(policy.authorizationParams()).toEqual({ response_mode: 'form_post' });
    expect(policy.scope).toBe('openid name email');
  });

  it('understands string and boolean email_verified, and nothing else', () => {
    expect(policy.verifiedEmail({ email: 'a@example.com', email_verified: 'true' })).toBe('a@example.com');
    expect(policy.verifiedEmail({ email: 'a@example.com', email_verified: true })).toBe('a@example.com');
    expect(policy.verifiedEmail({ email: 'a@example.com', email_verified: 'false' })).toBeNull();
    expect(policy.verifiedEmail({ email: 'a@example.com', email_verified: 'yes' })).toBeNull();
    expect(policy.verifiedEmail({ email: 'a@example.com' })).toBeNull();
    expect([appleBoolean('true'), appleBoolean(false), appleBoolean('TRUE'), appleBoolean(1)]).toEqual([true, false, undefined, undefined]);
    expect(normalizeAppleClaims({ sub: 's', email_verified: 'true', is_private_email: 'false' })).toEqual({ sub: 's', email_verified: true, is_private_email: false });
    expect(normalizeAppleClaims({ sub: 's', is_private_email: 'maybe' })).toEqual({ sub: 's' });
  });

  it('treats a private-relay address as an ordinary verified address', () => {
    const claims = { email: 'x7k2@privaterelay.appleid.com', email_verified: 'true', is_private_email: 'true' };
    expect(policy.verifiedEmail(claims)).toBe('x7k2@privaterelay.appleid.com');
    expect(policy.profile(claims).email).toBe('x7k2@privaterelay.appleid.com');
  });

  it('takes the name from the first-login user field and never its e-mail', () => {
    const user = JSON.stringify({ name: { firstName: 'Ada', lastName: 'Lovelace' }, email: 'attacker@example.com' });
    expect(policy.profile({ email: 'ada@example.com', email_verified: 'true' }, { appleUser: user })).toEqual({ name: 'Ada Lovelace', given_name: 'Ada', family_name: 'Lovelace', email: 'ada@example.com' });
    expect(policy.profile({}, { appleUser: user })).toEqual({ name: 'Ada Lovelace', given_name: 'Ada', family_name: 'Lovelace' });
    expect(policy.profile({ email: 'ada@example.com' })).toEqual({ email: 'ada@example.com' });
  });

  it('ignores junk in the user field: bad JSON, wrong shapes, control characters, oversized input', () => {
    expect(parseAppleUser('{not json')).toBeNull();
    expect(parseAppleUser('null')).toBeNull();
    expect(parseAppleUser('"Ada"')).toBeNull();
    expect(parseAppleUser(JSON.stringify({ name: 'Ada Lovelace' }))).toBeNull();
    expect(parseAppleUser(JSON.stringify({ name: { firstName: 42, lastName: ['x'] } }))).toBeNull();
    expect(parseAppleUser(JSON.stringify({ name: { firstName: 'Ada', lastName: 'Love\nlace' } }))).toEqual({ firstName: 'Ada' });
    expect(parseAppleUser(JSON.stringify({ name: { firstName: '  ', lastName: 'Lovelace' } }))).toEqual({ lastName: 'Lovelace' });
    expect(parseAppleUser(JSON.stringify({ name: { firstName: 'A'.repeat(201) } }))).toBeNull();
    expect(parseAppleUser(JSON.stringify({ name: { firstName: 'Ada' }, pad: 'x'.repeat(5000) }))).toBeNull();
    expect(parseAppleUser('{"name":{"__proto__":{"firstName":"Polluted"}}}')).toBeNull();
    expect(policy.profile({}, { appleUser: '<html>' })).toEqual({});
  });

  it('accepts any validated token (no deployment claim rules)', () => {
    expect(policy.checkClaims({ sub: 'x' })).toEqual({ ok: true });
  });
});

describe('configured upstreams', () => {
  it('builds a policy for each provider the environment configures, in a fixed order, and none for the others', async () => {
    const clock = movableClock('2026-03-01T12:00:00Z');
    const config = loadConfig({
      GOOGLE_CLIENT_ID: 'g-id', GOOGLE_CLIENT_SECRET: 'g-secret', GOOGLE_HOSTED_DOMAINS: 'example.com',
      APPLE_CLIENT_ID: apple.clientId, APPLE_TEAM_ID: apple.teamId, APPLE_KEY_ID: apple.keyId, APPLE_PRIVATE_KEY: PEM,
    });
    const upstreams = configuredUpstreams(config.federation, { clock });
    expect(upstreams.map((u) => [u.name, u.displayName, u.issuer, u.clientId, u.policy.kind])).toEqual([
      ['google', 'Google', 'https://accounts.google.com', 'g-id', 'google'],
      ['apple', 'Apple', 'https://appleid.apple.com', 'com.example.web', 'apple'],
    ]);
    expect(upstreams[0]?.policy.checkClaims({ hd: 'other.example' }).ok).toBe(false);
    expect((await upstreams[0]?.policy.clientAuthentication())?.clientSecret).toBe('g-secret');
    const appleSecret = (await upstreams[1]?.policy.clientAuthentication())?.clientSecret ?? '';
    expect((await jwtVerify(appleSecret, publicKey, { currentDate: clock.now() })).payload.iss).toBe('TEAM123456');
    expect(configuredUpstreams(loadConfig({}).federation, { clock })).toEqual([]);
    const entra = configuredUpstreams(loadConfig({ MICROSOFT_CLIENT_ID: 'm-id', MICROSOFT_CLIENT_SECRET: 'm-secret', MICROSOFT_TENANT: TENANT }).federation, { clock });
    expect(entra.map((u) => [u.name, u.issuer])).toEqual([['microsoft', `https://login.microsoftonline.com/${TENANT}/v2.0`]]);
    expect(entra[0]?.policy.checkClaims({ tid: OTHER_TENANT }).ok).toBe(false);
  });
});
