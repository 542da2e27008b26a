import Router from '@koa/router';
import type { Context } from 'koa';
import { InvalidRequestError } from '../errors/app-error.js';
import { escapeXml, STS_NAMESPACE } from '../http/error-surfaces/aws-xml.js';
import { errorSurface } from '../http/error-surfaces/surface.js';
import { readForm } from '../http/read-form.js';
import { validate, type InputSource, type WithInput } from '../http/validate.js';
import type { AccessTokenVerifier, VerifiedAccessToken } from '../oidc/access-token-verifier.js';
import { actAsBearer } from './bearer-actor.js';
import type { CredentialService } from './credential-service.js';
import { assumeRoleWithWebIdentitySchema, roleFromArn, type AssumeRoleWithWebIdentityRequest } from './credentials.schema.js';

const BODY_LIMIT = 16 * 1024;

/**
 * The STS query: a form (repeated parameters refused), and only AssumeRoleWithWebIdentity without session
 * policies. These two get their own messages, since an SDK user meets them first.
 */
const stsQuery: InputSource = async (ctx) => {
  const form = await readForm(ctx, BODY_LIMIT);
  if (form.Action !== undefined && form.Action !== 'AssumeRoleWithWebIdentity') {
    throw new InvalidRequestError(`action ${form.Action.slice(0, 64)} is not supported here; only AssumeRoleWithWebIdentity is`, [{ path: 'Action', message: 'not supported' }]);
  }
  if ('Policy' in form || Object.keys(form).some((k) => k.startsWith('PolicyArns'))) {
    throw new InvalidRequestError('session policies are not supported: the role decides what the credentials reach', [{ path: 'Policy', message: 'not supported' }]);
  }
  return form;
};

type StsContext = Context & WithInput<AssumeRoleWithWebIdentityRequest> & { token?: VerifiedAccessToken };

/**
 * `POST /sts`: the AWS STS query protocol for `AssumeRoleWithWebIdentity`, so an unmodified AWS SDK pointed at
 * Latchkey (`fromWebToken`, `AssumeRoleWithWebIdentityCommand`) gets MinIO credentials. The web identity
 * token is a Latchkey access token; the RoleArn's last segment names the role.
 * Chain: AWS error surface → request id → validate the query → verify the token → issue → present.
 */
export function awsStsRoutes(deps: { verifier: AccessTokenVerifier; credentials: CredentialService; audience: string; issuer: string }): Router {
  const router = new Router();

  async function awsRequestId(ctx: Context, next: () => Promise<void>) {
    ctx.set('x-amzn-RequestId', String(ctx.state.requestId));
    ctx.set('Cache-Control', 'no-store');
    await next();
  }

  async function assumeRoleWithWebIdentity(ctx: StsContext) {
    const input = ctx.input;
    const token = await deps.verifier.verify(input.WebIdentityToken, { audience: deps.audience });
    actAsBearer(token);
    const issued = await deps.credentials.issue({ token, role: roleFromArn(input.RoleArn), durationSeconds: input.DurationSeconds, channel: 'aws-sts' });
    const session = input.RoleSessionName ?? issued.userId;
    ctx.type = 'text/xml';
    ctx.body = `<AssumeRoleWithWebIdentityResponse xmlns="${STS_NAMESPACE}"><AssumeRoleWithWebIdentityResult>`
      + `<SubjectFromWebIdentityToken>${escapeXml(issued.userId)}</SubjectFromWebIdentityToken>`
      + `<Audience>${escapeXml(token.clientId)}</Audience>`
      + `<AssumedRoleUser><Arn>${escapeXml(`arn:aws:sts::000000000000:assumed-role/${issued.role}/${session}`)}</Arn><AssumedRoleId>${escapeXml(`${issued.accessKeyId}:${session}`)}</AssumedRoleId></AssumedRoleUser>`
      + `<Credentials><AccessKeyId>${escapeXml(issued.accessKeyId)}</AccessKeyId><SecretAccessKey>${escapeXml(issued.secretAccessKey)}</SecretAccessKey>`
      + `<SessionToken>${escapeXml(issued.sessionToken)}</SessionToken><Expiration>${issued.expiration.toISOString()}</Expiration></Credentials>`
      + `<Provider>${escapeXml(deps.issuer)}</Provider>`
      + `</AssumeRoleWithWebIdentityResult><ResponseMetadata><RequestId>${escapeXml(String(ctx.state.requestId))}</RequestId></ResponseMetadata></AssumeRoleWithWebIdentityResponse>`;
  }

  // The AWS SDK posts to the configured endpoint's path, with or without a trailing slash.
  router.post(['/sts', '/sts/'], errorSurface('aws'), awsRequestId, validate(assumeRoleWithWebIdentitySchema, stsQuery), assumeRoleWithWebIdentity);
  return router;
}
