import Router from '@koa/router';
import type { Context, Next } from 'koa';
import { AppError, InvalidRequestError, UnauthorizedError, UnsupportedMediaTypeError } from '../errors/app-error.js';
import { readRawBody } from '../http/raw-body.js';
import type { AccessTokenVerifier, VerifiedAccessToken } from '../oidc/access-token-verifier.js';
import type { CredentialService } from './credential-service.js';
import { credentialsRequestSchema, type CredentialsRequest } from './credentials.schema.js';

const BODY_LIMIT = 4096;

/**
 * `POST /sts/credentials`: the exchange of a Latchkey access token for storage
 * credentials in the AWS `credential_process` shape. Chain: bearer → body → validate → issue → present.
 */
export function credentialsRoutes(deps: { verifier: AccessTokenVerifier; credentials: CredentialService; audience: string }): Router {
  const router = new Router();

  async function bearer(ctx: Context, next: Next) {
    const match = /^Bearer ([^\s]+)$/.exec(ctx.get('authorization'));
    try {
      if (!match) throw new UnauthorizedError('invalid_token', 'send the access token as Authorization: Bearer <token>');
      // Only tokens addressed to Latchkey itself: a token minted for another API must not open storage.
      ctx.state.token = await deps.verifier.verify(match[1]!, { audience: deps.audience });
    } catch (error) {
      if (error instanceof AppError) ctx.set('WWW-Authenticate', `Bearer error="${error.code}"`);
      throw error;
    }
    await next();
  }

  async function parseBody(ctx: Context, next: Next) {
    const raw = (await readRawBody(ctx.req, BODY_LIMIT)).toString('utf8');
    let input: unknown = {};
    if (raw.trim() !== '') {
      if (ctx.is('application/json')) {
        try {
          input = JSON.parse(raw) as unknown;
        } catch {
          throw new InvalidRequestError('the body is not valid JSON');
        }
      } else if (ctx.is('application/x-www-form-urlencoded')) {
        input = Object.fromEntries(new URLSearchParams(raw));
      } else {
        throw new UnsupportedMediaTypeError('application/json or application/x-www-form-urlencoded');
      }
    }
    const parsed = credentialsRequestSchema.safeParse(input);
    if (!parsed.success) {
      throw new InvalidRequestError('invalid credentials request', parsed.error.issues.map((i) => ({ path: i.path.join('.') || 'body', message: i.message })));
    }
    ctx.state.input = parsed.data;
    await next();
  }

  async function issue(ctx: Context) {
    const input = ctx.state.input as CredentialsRequest;
    const issued = await deps.credentials.issue({ token: ctx.state.token as VerifiedAccessToken, role: input.role, durationSeconds: input.duration_seconds, channel: 'credentials' });
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

  router.post('/sts/credentials', bearer, parseBody, issue);
  return router;
}
