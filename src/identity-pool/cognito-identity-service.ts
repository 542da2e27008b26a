import type { Database } from '../db/database.js';
import type { PoolIdentifiers } from '../directory/pool-identifiers.js';
import { ExpiredTokenError, ForbiddenError, InvalidRequestError, InvalidTokenError, NotFoundError, UnauthorizedError } from '../errors/app-error.js';
import { sha256Hex } from '../lib/hashing.js';
import type { Clock } from '../lib/clock.js';
import type { ClientService } from '../oidc/client-service.js';
import { createIdTokenVerifier, type VerifiedIdToken } from '../oidc/id-token-verifier.js';
import type { ProviderHolder } from '../oidc/provider-holder.js';
import { STS_SCOPE, type CredentialService } from './credential-service.js';
import { createIdentityPoolTokens } from './identity-pool-token.js';
import { findIdentityById, findIdentityByUser, upsertIdentityForUser } from './repositories/cognito-identity.repository.js';

/** Credentials in the identity-pool API's terms. */
export interface IdentityCredentials {
  identityId: string;
  accessKeyId: string;
  secretKey: string;
  sessionToken: string;
  expiration: Date;
}

/** `Logins`: provider name → token. */
export type Logins = Readonly<Record<string, string>>;

export interface CognitoIdentityService {
  /** GetId: the user's stable identity for a login, or a new guest identity without one (when guests are allowed). */
  getId(input: { identityPoolId: string; logins: Logins | undefined; address: string }): Promise<string>;
  /** GetCredentialsForIdentity: the identity's credentials, resolved as `/sts/credentials` resolves them. */
  getCredentials(input: { identityId: string; logins: Logins | undefined; role: string | undefined; address: string }): Promise<IdentityCredentials>;
  /** GetOpenIdToken: a ten-minute token for the identity, reached with the same logins as its credentials. */
  getOpenIdToken(input: { identityId: string; logins: Logins | undefined }): Promise<{ identityId: string; token: string }>;
  /** Whether a web identity token says it is an identity-pool token (unverified; `exchangeOpenIdToken` verifies). */
  isOpenIdToken(token: string): boolean;
  /**
   * AssumeRoleWithWebIdentity with an identity-pool token: the identity's credentials, as
   * GetCredentialsForIdentity would give them to the same logins (the guest role for a guest).
   */
  exchangeOpenIdToken(input: { token: string; role: string; durationSeconds: number | undefined; address: string }): Promise<IdentityCredentials & { role: string; audience: string }>;
}

/** An identity ID as Cognito shapes it, `REGION:uuid`. */
const IDENTITY_ID = /^([a-z]{2}(?:-gov)?-[a-z]+-\d):([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

/**
 * The Cognito identity-pool API over Latchkey's identity pool. The one login provider is Latchkey itself,
 * named as Amplify names it: the ID token's `iss` without its scheme (`host[:port][/path]`). The login is an
 * ID token of a client that may use the identity pool (one registered with the `sts` scope, the scope
 * `/sts/credentials` demands of access tokens), verified in full, liveness included. Credentials come from the
 * same issuance as `/sts/credentials` (role resolution, rate limit, audit, AssumeRole), through the ID token's
 * grant, so a sign-out that ends the grant ends this path too.
 */
export function createCognitoIdentityService(deps: {
  db: Database; issuer: string; holder: ProviderHolder; clock?: Clock; identifiers: () => Promise<PoolIdentifiers>;
  clients: Pick<ClientService, 'find'>; credentials: CredentialService;
}): CognitoIdentityService {
  const { db } = deps;
  const guests = deps.credentials.guests;
  // A client may use the identity pool when it was registered with the `sts` scope: the same apps whose access
  // tokens `/sts/credentials` takes, so the identity-pool API opens storage to no app that could not reach it.
  const clientAllowed = async (clientId: string) => (await deps.clients.find(clientId))?.scope.split(' ').includes(STS_SCOPE) === true;
  const idTokens = createIdTokenVerifier({
    db, holder: deps.holder, issuer: deps.issuer, ...(deps.clock ? { clock: deps.clock } : {}),
    clientAllowed,
  });
  const providerName = deps.issuer.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '');
  const openIdTokens = createIdentityPoolTokens({ holder: deps.holder, issuer: deps.issuer, ...(deps.clock ? { clock: deps.clock } : {}) });

  /** A refused login in Cognito's words ("Invalid login token. …"); other errors pass. */
  async function asLogin<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof ExpiredTokenError) throw new UnauthorizedError('invalid_login', 'Invalid login token. Token expired.');
      // Also a grant ended between the check and the issuance: the issuance's liveness refuses it as a token.
      if (error instanceof InvalidTokenError) throw new UnauthorizedError('invalid_login', `Invalid login token. ${error.message.charAt(0).toUpperCase()}${error.message.slice(1)}.`);
      throw error;
    }
  }

  /** The login for Latchkey, verified; undefined when there is none (a guest). */
  async function login(logins: Logins | undefined): Promise<VerifiedIdToken | undefined> {
    const entries = Object.entries(logins ?? {});
    if (entries.length === 0) return undefined;
    const [entry, ...others] = entries;
    if (others.length > 0 || entry![0] !== providerName) throw new UnauthorizedError('invalid_login', `Invalid login token. Issuer doesn't match providerName: only ${providerName} is a login provider of this identity pool.`);
    return asLogin(() => idTokens.verify(entry![1]));
  }

  /** The stored identity an ID names: unknown, of another region, or malformed, it is not found. */
  async function identity(identityId: string) {
    const match = IDENTITY_ID.exec(identityId);
    if (!match) throw new InvalidRequestError('IdentityId is not a Cognito identity ID (REGION:uuid)', [{ path: 'IdentityId', message: 'malformed' }]);
    const { region, identityPoolId } = await deps.identifiers();
    const row = match[1] === region ? await findIdentityById(db, match[2]!) : undefined;
    if (!row) throw new NotFoundError(`Identity '${identityId}' not found.`);
    return { row, identityPoolId };
  }

  /** Credentials as the identity-pool API names them, whoever received them (a user or a guest). */
  const presented = (identityId: string, issued: { accessKeyId: string; secretAccessKey: string; sessionToken: string; expiration: Date }): IdentityCredentials => ({
    identityId, accessKeyId: issued.accessKeyId, secretKey: issued.secretAccessKey, sessionToken: issued.sessionToken, expiration: issued.expiration,
  });

  /**
   * The identity an ID names, with the logins that may reach it: none for a guest identity, its own user's
   * login for a user's (Cognito's words for a missing or foreign one).
   */
  async function reach(identityId: string, logins: Logins | undefined): Promise<{ row: { id: string; user_id: string | null }; identityPoolId: string; token: VerifiedIdToken | undefined }> {
    const { row, identityPoolId } = await identity(identityId);
    const token = await login(logins);
    if (!token) {
      if (row.user_id !== null) throw new UnauthorizedError('login_required', 'Logins don\'t match. Please include at least one valid login for this identity or identity pool.');
      return { row, identityPoolId, token };
    }
    if (row.user_id !== token.userId) throw new UnauthorizedError('identity_mismatch', 'Logins don\'t match. Please include at least one valid login for this identity or identity pool.');
    return { row, identityPoolId, token };
  }

  return {
    async getId({ identityPoolId, logins, address }) {
      const { identityPoolId: ours, region } = await deps.identifiers();
      if (identityPoolId !== ours) throw new NotFoundError(`IdentityPool '${identityPoolId.slice(0, 100)}' not found.`);
      const token = await login(logins);
      if (token) {
        // Read first: every call but the user's first is a plain lookup.
        const row = (await findIdentityByUser(db, token.userId)) ?? (await upsertIdentityForUser(db, token.userId));
        return `${region}:${row.id}`;
      }
      return `${region}:${await guests.createIdentity(address)}`;
    },

    async getCredentials({ identityId, logins, role, address }) {
      const { row, token } = await reach(identityId, logins);
      if (!token) {
        return presented(identityId, await guests.issue({ identityId: row.id, address }));
      }
      const issued = await asLogin(() => deps.credentials.issue({
        // The ID token has no jti of its own that could be revoked; its hash stands in, matching no revocation.
        token: { accountId: token.userId, grantId: token.grantId, clientId: token.clientId, jti: `id:${sha256Hex(`${token.userId}:${token.grantId}:${token.iat}`)}`, scopes: new Set([STS_SCOPE]) },
        role, channel: 'cognito-identity', identityId: row.id,
      }));
      return presented(identityId, issued);
    },

    async getOpenIdToken({ identityId, logins }) {
      const { token, identityPoolId } = await reach(identityId, logins);
      const login = token ? { userId: token.userId, clientId: token.clientId, grantId: token.grantId } : undefined;
      return { identityId, token: await openIdTokens.sign({ identityId, identityPoolId, providerName, ...(login ? { login } : {}) }) };
    },

    isOpenIdToken: (token) => openIdTokens.claimsType(token),

    async exchangeOpenIdToken({ token, role, durationSeconds, address }) {
      const { identityPoolId, region } = await deps.identifiers();
      const verified = await openIdTokens.verify(token, { identityPoolId, region });
      // The stored identity decides whose it is: a token that says otherwise was not signed here.
      const row = await findIdentityById(db, verified.identityUuid);
      if (!row || row.user_id !== (verified.login?.userId ?? null)) throw new InvalidTokenError('identity-pool token names no identity of this pool');
      const identityId = `${region}:${row.id}`;
      if (!verified.login) {
        const issued = await guests.issue({ identityId: row.id, address, role }).catch((error: unknown) => {
          // The pool stopped taking guests after the token was issued: to STS, a role refused (AccessDenied).
          throw error instanceof UnauthorizedError ? new ForbiddenError('guests_refused', error.message) : error;
        });
        return { ...presented(identityId, issued), audience: identityPoolId, role: issued.role };
      }
      const { userId, clientId, grantId } = verified.login;
      // As for the login it came from: the app must still be one allowed the identity pool (the `sts` scope).
      if (!(await clientAllowed(clientId))) throw new InvalidTokenError('identity-pool token was issued through an app no longer allowed the identity pool');
      // Liveness (the user may act, the grant stands, the client exists) is checked in the issuance's query.
      const issued = await deps.credentials.issue({
        token: { accountId: userId, grantId, clientId, jti: `openid:${verified.jti}`, scopes: new Set([STS_SCOPE]) },
        role, durationSeconds, channel: 'aws-sts', identityId: row.id,
      });
      return { ...presented(identityId, issued), audience: identityPoolId, role: issued.role };
    },
  };
}
