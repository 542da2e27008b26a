import Router from '@koa/router';
import type { Context } from 'koa';
import { InvalidRequestError } from '../errors/app-error.js';
import { escapeXml, STS_NAMESPACE } from '../http/error-surfaces/aws-xml.js';
import { errorSurface } from '../http/error-surfaces/surface.js';
import { readForm } from '../http/read-form.js';
import { clientAddress } from '../interaction/client-address.js';
import { validate, type InputSource, type WithInput } from '../http/validate.js';
import type { AccessTokenVerifier, VerifiedAccessToken } from '../oidc/access-token-verifier.js';
import { actAsBearer } from './bearer-actor.js';
import type { CognitoIdentityService } from './cognito-identity-service.js';
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

/** What the response names: who assumed which role, for which audience, and the credentials. */
interface AssumedRole {
  subject: string;
  audience: string;
  role: string;
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken: string; expiration: Date };
}

/**
 * `POST /sts`: the AWS STS query protocol for `AssumeRoleWithWebIdentity`, so an unmodified AWS SDK pointed at
 * Latchkey (`fromWebToken`, `AssumeRoleWithWebIdentityCommand`) gets MinIO credentials. The web identity
 * token is a Latchkey access token, or an identity-pool token from GetOpenIdToken (Cognito's classic flow);
 * the RoleArn's last segment names the role.
 * Chain: AWS error surface → request id → validate the query → verify the token → issue (liveness and all) →
 * present.
 */
export function awsStsRoutes(deps: {
  verifier: AccessTokenVerifier; credentials: CredentialService; audience: string; issuer: string;
  identityPool: Pick<CognitoIdentityService, 'isOpenIdToken' | 'exchangeOpenIdToken'>;
}): Router {
  const router = new Router();

  async function awsRequestId(ctx: Context, next: () => Promise<void>) {
    ctx.set('x-amzn-RequestId', String(ctx.state.requestId));
    ctx.set('Cache-Control', 'no-store');
    await next();
  }

  /** An access token: the user's role, through `/sts/credentials`' issuance. */
  async function withAccessToken(input: AssumeRoleWithWebIdentityRequest): Promise<AssumedRole> {
    // Liveness is checked in the issuance's one query (credential-service.ts).
    const token = await deps.verifier.verifyClaims(input.WebIdentityToken, { audience: deps.audience });
    actAsBearer(token);
    const issued = await deps.credentials.issue({ token, role: roleFromArn(input.RoleArn), durationSeconds: input.DurationSeconds, channel: 'aws-sts' });
    return { subject: issued.userId, audience: token.clientId, role: issued.role, credentials: issued };
  }

  /** An identity-pool token: the identity's credentials, a guest's or a user's. */
  async function withIdentityPoolToken(ctx: Context, input: AssumeRoleWithWebIdentityRequest): Promise<AssumedRole> {
    const address = clientAddress(ctx);
    if (!address) throw new InvalidRequestError('your network address could not be determined');
    const issued = await deps.identityPool.exchangeOpenIdToken({ token: input.WebIdentityToken, role: roleFromArn(input.RoleArn), durationSeconds: input.DurationSeconds, address });
    return { subject: issued.identityId, audience: issued.audience, role: issued.role, credentials: { ...issued, secretAccessKey: issued.secretKey } };
  }

  async function assumeRoleWithWebIdentity(ctx: StsContext) {
    const input = ctx.input;
    const assumed = deps.identityPool.isOpenIdToken(input.WebIdentityToken) ? await withIdentityPoolToken(ctx, input) : await withAccessToken(input);
    const { credentials } = assumed;
    const session = input.RoleSessionName ?? assumed.subject.replace(/[^\w+=,.@-]/g, '-');
    ctx.type = 'text/xml';
    ctx.body = `<AssumeRoleWithWebIdentityResponse xmlns="${STS_NAMESPACE}"><AssumeRoleWithWebIdentityResult>`
      + `<SubjectFromWebIdentityToken>${escapeXml(assumed.subject)}</SubjectFromWebIdentityToken>`
      + `<Audience>${escapeXml(assumed.audience)}</Audience>`
      + `<AssumedRoleUser><Arn>${escapeXml(`arn:aws:sts::000000000000:assumed-role/${assumed.role}/${session}`)}</Arn><AssumedRoleId>${escapeXml(`${credentials.accessKeyId}:${session}`)}</AssumedRoleId></AssumedRoleUser>`
      + `<Credentials><AccessKeyId>${escapeXml(credentials.accessKeyId)}</AccessKeyId><SecretAccessKey>${escapeXml(credentials.secretAccessKey)}</SecretAccessKey>`
      + `<SessionToken>${escapeXml(credentials.sessionToken)}</SessionToken><Expiration>${credentials.expiration.toISOString()}</Expiration></Credentials>`
      + `<Provider>${escapeXml(deps.issuer)}</Provider>`
      + `</AssumeRoleWithWebIdentityResult><ResponseMetadata><RequestId>${escapeXml(String(ctx.state.requestId))}</RequestId></ResponseMetadata></AssumeRoleWithWebIdentityResponse>`;
  }

  // The AWS SDK posts to the configured endpoint's path, with or without a trailing slash.
  router.post(['/sts', '/sts/'], errorSurface('aws'), awsRequestId, validate(assumeRoleWithWebIdentitySchema, stsQuery), assumeRoleWithWebIdentity);
  return router;
}
