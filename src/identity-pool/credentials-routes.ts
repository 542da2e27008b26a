import Router from '@koa/router';
import type { Context, Next } from 'koa';
import { InvalidTokenError } from '../errors/app-error.js';
import { bearerToken } from '../http/bearer-token.js';
import { errorSurface } from '../http/error-surfaces/surface.js';
import { jsonOrFormBody, validate, type WithInput } from '../http/validate.js';
import type { AccessTokenVerifier, VerifiedAccessToken } from '../oidc/access-token-verifier.js';
import { actAsBearer } from './bearer-actor.js';
import type { CredentialService } from './credential-service.js';
import { credentialsRequestSchema, type CredentialsRequest } from './credentials.schema.js';

const BODY_LIMIT = 4096;

/** After the bearer step: the access token, its claims verified (its liveness is the issuance's to check). */
interface WithToken {
  token: VerifiedAccessToken;
}

/**
 * `POST /sts/credentials`: the exchange of a Latchkey access token for storage
 * credentials in the AWS `credential_process` shape.
 * Chain: OAuth error surface → bearer (claims) → validate (JSON or form, repeated fields refused) → issue (liveness
 * and all) → present.
 */
export function credentialsRoutes(deps: { verifier: AccessTokenVerifier; credentials: CredentialService; audience: string }): Router {
  const router = new Router();

  async function bearer(ctx: Context & Partial<WithToken>, next: Next) {
    const token = bearerToken(ctx);
    if (!token) throw new InvalidTokenError('send the access token as Authorization: Bearer <token>');
    // Only tokens addressed to Latchkey itself: a token minted for another API must not open storage. Liveness
    // is checked in the issuance's one query (credential-service.ts), not in a round trip of its own.
    ctx.token = await deps.verifier.verifyClaims(token, { audience: deps.audience });
    actAsBearer(ctx.token);
    await next();
  }

  async function issue(ctx: Context & WithToken & WithInput<CredentialsRequest>) {
    const issued = await deps.credentials.issue({ token: ctx.token, role: ctx.input.role, durationSeconds: ctx.input.duration_seconds, channel: 'credentials' });
    ctx.set('Cache-Control', 'no-store');
    // The AWS CLI/SDK `credential_process` contract: Version 1 and these four fields.
    ctx.body = {
      Version: 1,
      AccessKeyId: issued.accessKeyId,
      SecretAccessKey: issued.secretAccessKey,
      SessionToken: issued.sessionToken,
      Expiration: issued.expiration.toISOString(),
      Role: issued.role,
    };
  }

  router.post('/sts/credentials', errorSurface('oauth'), bearer, validate(credentialsRequestSchema, jsonOrFormBody(BODY_LIMIT)), issue);
  return router;
}
