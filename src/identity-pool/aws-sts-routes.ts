import { randomUUID } from 'node:crypto';
import Router from '@koa/router';
import type { Context } from 'koa';
import { AppError, RateLimitedError } from '../errors/app-error.js';
import { parseUniqueForm } from '../http/form-body.js';
import { readRawBody } from '../http/raw-body.js';
import type { Logger } from '../lib/logger.js';
import type { AccessTokenVerifier } from '../oidc/access-token-verifier.js';
import type { CredentialService } from './credential-service.js';
import { assumeRoleWithWebIdentitySchema, roleFromArn } from './credentials.schema.js';

const NS = 'https://sts.amazonaws.com/doc/2011-06-15/';
const BODY_LIMIT = 16 * 1024;

function escapeXml(value: string): string {
  return value.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!);
}

/** Latchkey error codes mapped to the AWS STS error codes SDKs understand. */
function awsError(error: AppError): { status: number; code: string; type: 'Sender' | 'Receiver' } {
  switch (error.code) {
    case 'invalid_token': return { status: 400, code: 'InvalidIdentityToken', type: 'Sender' };
    case 'invalid_request': return { status: 400, code: 'ValidationError', type: 'Sender' };
    case 'sts_unavailable': return { status: 503, code: 'ServiceUnavailable', type: 'Receiver' };
    case 'sts_upstream_error': return { status: 502, code: 'InternalFailure', type: 'Receiver' };
    case 'too_many_requests': return { status: 429, code: 'Throttling', type: 'Sender' };
    default: return error.status === 403 ? { status: 403, code: 'AccessDenied', type: 'Sender' } : { status: error.status, code: 'InvalidRequest', type: 'Sender' };
  }
}

/**
 * `POST /sts`: the AWS STS query protocol for `AssumeRoleWithWebIdentity`, so an unmodified AWS SDK pointed at
 * Latchkey (`fromWebToken`, `AssumeRoleWithWebIdentityCommand`) gets MinIO credentials. The web identity
 * token is a Latchkey access token; the RoleArn's last segment names the role.
 */
export function awsStsRoutes(deps: { verifier: AccessTokenVerifier; credentials: CredentialService; audience: string; issuer: string; logger: Logger }): Router {
  const router = new Router();

  function sendError(ctx: Context, requestId: string, error: AppError) {
    const { status, code, type } = awsError(error);
    if (error instanceof RateLimitedError) ctx.set('Retry-After', String(error.retryAfterSeconds));
    ctx.status = status;
    ctx.type = 'text/xml';
    ctx.body = `<ErrorResponse xmlns="${NS}"><Error><Type>${type}</Type><Code>${code}</Code><Message>${escapeXml(error.message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`;
  }

  // The AWS SDK posts to the configured endpoint's path, with or without a trailing slash.
  router.post(['/sts', '/sts/'], async (ctx) => {
    const requestId = randomUUID();
    ctx.set('x-amzn-RequestId', requestId);
    ctx.set('Cache-Control', 'no-store');
    try {
      if (!ctx.is('application/x-www-form-urlencoded')) throw new AppError(400, 'invalid_request', 'expected an application/x-www-form-urlencoded STS query');
      const parsed = parseUniqueForm((await readRawBody(ctx.req, BODY_LIMIT)).toString('utf8'));
      if ('duplicate' in parsed) throw new AppError(400, 'invalid_request', `parameter ${parsed.duplicate} sent more than once`);
      const { form } = parsed;
      if (form.Action !== undefined && form.Action !== 'AssumeRoleWithWebIdentity') {
        throw new AppError(400, 'invalid_request', `action ${form.Action.slice(0, 64)} is not supported here; only AssumeRoleWithWebIdentity is`);
      }
      if ('Policy' in form || Object.keys(form).some((k) => k.startsWith('PolicyArns'))) {
        throw new AppError(400, 'invalid_request', 'session policies are not supported: the role decides what the credentials reach');
      }
      const validated = assumeRoleWithWebIdentitySchema.safeParse(form);
      if (!validated.success) {
        const issue = validated.error.issues[0]!;
        throw new AppError(400, 'invalid_request', `${issue.path.join('.') || 'request'}: ${issue.message}`);
      }
      const input = validated.data;
      const token = await deps.verifier.verify(input.WebIdentityToken, { audience: deps.audience });
      const role = roleFromArn(input.RoleArn);
      const issued = await deps.credentials.issue({ token, role, durationSeconds: input.DurationSeconds, channel: 'aws-sts' });
      const session = input.RoleSessionName ?? issued.userId;
      ctx.type = 'text/xml';
      ctx.body = `<AssumeRoleWithWebIdentityResponse xmlns="${NS}"><AssumeRoleWithWebIdentityResult>`
        + `<SubjectFromWebIdentityToken>${escapeXml(issued.userId)}</SubjectFromWebIdentityToken>`
        + `<Audience>${escapeXml(token.clientId)}</Audience>`
        + `<AssumedRoleUser><Arn>${escapeXml(`arn:aws:sts::000000000000:assumed-role/${issued.role}/${session}`)}</Arn><AssumedRoleId>${escapeXml(`${issued.accessKeyId}:${session}`)}</AssumedRoleId></AssumedRoleUser>`
        + `<Credentials><AccessKeyId>${escapeXml(issued.accessKeyId)}</AccessKeyId><SecretAccessKey>${escapeXml(issued.secretAccessKey)}</SecretAccessKey>`
        + `<SessionToken>${escapeXml(issued.sessionToken)}</SessionToken><Expiration>${issued.expiration.toISOString()}</Expiration></Credentials>`
        + `<Provider>${escapeXml(deps.issuer)}</Provider>`
        + `</AssumeRoleWithWebIdentityResult><ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></AssumeRoleWithWebIdentityResponse>`;
    } catch (error) {
      if (!(error instanceof AppError)) {
        deps.logger.error({ err: error, requestId }, 'aws sts request failed');
        return sendError(ctx, requestId, new AppError(500, 'server_error', 'internal error'));
      }
      sendError(ctx, requestId, error);
    }
  });
  return router;
}
