import { AuthenticationDetails, CognitoUser, CognitoUserPool, type CognitoUserSession } from 'amazon-cognito-identity-js';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { currentBackend } from '../support/backend.js';
import { PASSWORD } from '../support/fixtures.js';
import { foreignHash } from '../support/foreign-hashes.js';
import { useTestServer } from '../support/harness.js';
import { createTestClock } from '../support/clock.js';
import { authenticatorCode } from '../support/totp.js';

/**
 * USER_SRP_AUTH as Amplify's own SRP client runs it: amazon-cognito-identity-js's CognitoUser.authenticateUser
 * (its default flow) against Latchkey, from the challenge to the tokens.
 */
describe(`Cognito USER_SRP_AUTH with amazon-cognito-identity-js (${currentBackend()})`, () => {
  const clock = createTestClock();
  const ctx = useTestServer({ clock });
  let pool: CognitoUserPool;
  const services = () => ctx.server.latchkey.services;

  beforeAll(async () => {
    const ClientId = (await services().clients.create({ name: 'SRP app', public: true, grantTypes: ['refresh_token'], scope: 'openid profile email' })).client_id;
    const { userPoolId } = await services().userPool.identifiers();
    pool = new CognitoUserPool({ UserPoolId: userPoolId, ClientId, endpoint: `${ctx.server.issuer}/` });
  });

  afterAll(() => clock.reset());

  function signIn(Username: string, Password: string): Promise<CognitoUserSession> {
    const user = new CognitoUser({ Username, Pool: pool });
    return new Promise((resolve, reject) => {
      user.authenticateUser(new AuthenticationDetails({ Username, Password }), {
        onSuccess: resolve,
        onFailure: reject,
        totpRequired: () => reject(new Error('unexpected TOTP challenge')),
        mfaRequired: () => reject(new Error('unexpected MFA challenge')),
      });
    });
  }

  it('signs in by SRP with a username or an e-mail address and gets JWKS-verified tokens for the user', async () => {
    const created = await services().users.create({ username: 'srp-ada', email: 'srp-ada@example.com', emailVerified: true, password: PASSWORD });
    const jwks = createRemoteJWKSet(new URL(`${ctx.server.issuer}/jwks`));
    for (const name of ['srp-ada', 'srp-ada@example.com']) {
      const session = await signIn(name, PASSWORD);
      const id = await jwtVerify(session.getIdToken().getJwtToken(), jwks, { issuer: ctx.server.issuer });
      expect(id.payload.sub).toBe(created.id);
      expect(session.getRefreshToken().getToken()).toBeTruthy();
    }
  });

  it('refuses a wrong password and an unknown user alike with NotAuthorizedException', async () => {
    await services().users.create({ username: 'srp-bea', password: PASSWORD });
    const wrong = await signIn('srp-bea', `${PASSWORD}x`).then(() => undefined, (error: { code?: string; name?: string; message?: string }) => error);
    const unknown = await signIn('srp-nobody', PASSWORD).then(() => undefined, (error: { code?: string; name?: string; message?: string }) => error);
    expect(wrong?.code).toBe('NotAuthorizedException');
    expect(wrong?.message).toBe('Incorrect username or password.');
    expect({ code: unknown?.code, message: unknown?.message }).toEqual({ code: wrong?.code, message: wrong?.message });
  });

  it('an imported user signs in by SRP after one password sign-in', async () => {
    const user = await services().users.create({ username: 'srp-imported' });
    await ctx.server.db.query('UPDATE users SET password_hash = $2 WHERE id = $1', [user.id, await foreignHash('bcrypt', PASSWORD)]);
    await expect(signIn('srp-imported', PASSWORD)).rejects.toMatchObject({ code: 'NotAuthorizedException' });
    expect((await services().users.verifyPassword(await services().users.findSignInAccount('srp-imported'), PASSWORD)).ok).toBe(true);
    expect((await signIn('srp-imported', PASSWORD)).isValid()).toBe(true);
  });

  it('asks a user with an authenticator for SOFTWARE_TOKEN_MFA after the password verifier, and gives tokens only after the code', async () => {
    const user = await services().users.create({ username: 'srp-fay', password: PASSWORD });
    const { secret } = await services().mfa.beginEnrolment(user);
    expect(await services().mfa.confirmEnrolment(user.id, authenticatorCode(secret, clock))).toMatchObject({ ok: true });
    clock.advance(30);
    const cognitoUser = new CognitoUser({ Username: 'srp-fay', Pool: pool });
    const session = await new Promise<CognitoUserSession>((resolve, reject) => {
      cognitoUser.authenticateUser(new AuthenticationDetails({ Username: 'srp-fay', Password: PASSWORD }), {
        onSuccess: () => reject(new Error('tokens without the second factor')),
        onFailure: reject,
        totpRequired: () => cognitoUser.sendMFACode(authenticatorCode(secret, clock), { onSuccess: resolve, onFailure: reject }, 'SOFTWARE_TOKEN_MFA'),
      });
    });
    const jwks = createRemoteJWKSet(new URL(`${ctx.server.issuer}/jwks`));
    const id = await jwtVerify(session.getIdToken().getJwtToken(), jwks, { issuer: ctx.server.issuer });
    expect(id.payload).toMatchObject({ sub: user.id });
    expect(id.payload.amr).toEqual(expect.arrayContaining(['pwd', 'otp']));
  });
});
