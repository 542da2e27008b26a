import { Transform, type Readable } from 'node:stream';
import Router from '@koa/router';
import type { Context, Next } from 'koa';
import type { z } from 'zod';
import type { AuditService } from '../../audit/audit-service.js';
import type { AuditDetail } from '../../audit/audit-event.js';
import { AppError, InvalidRequestError, MethodNotAllowedError, NotFoundError, PayloadTooLargeError, UnsupportedMediaTypeError } from '../../errors/app-error.js';
import { errorSurface } from '../../http/error-surfaces/surface.js';
import { decodeUtf8, part } from '../../http/malformed-input.js';
import { readRawBody } from '../../http/raw-body.js';
import { parseFormText } from '../../http/read-form.js';
import { fieldProblems, parseJsonText } from '../../http/validate.js';
import { requireAccess, type WithAdminCaller } from './admin-auth.js';
import type { AdminRoute, Download } from './admin-route.js';

export const ADMIN_API_PREFIX = '/admin/v1';
const BODY_LIMIT = 256 * 1024;
const FALLBACK = 'admin-fallback';

/** Parses one part of the request with its schema; every problem is listed, paths prefixed by the part. */
function parsePart(schema: z.ZodType, value: unknown, where: string): unknown {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const problems = fieldProblems(parsed.error).map((p) => ({ path: p.path === 'body' ? where : `${where}.${p.path}`, message: p.message }));
  throw new InvalidRequestError(problems.map((p) => `${p.path}: ${p.message}`).join('; ').slice(0, 500), problems);
}

async function readJsonBody(ctx: Context): Promise<unknown> {
  const raw = decodeUtf8(await readRawBody(ctx.req, BODY_LIMIT), part('body', 'the body'));
  if (raw.trim() === '') return {};
  if (!ctx.is('application/json')) throw new UnsupportedMediaTypeError('application/json');
  return parseJsonText(raw);
}

/** The request body as a stream that fails with 413 past `maxBytes`, however the client framed it. */
function limitedStream(source: Readable, maxBytes: number): Readable {
  let seen = 0;
  const limiter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      seen += chunk.length;
      done(seen > maxBytes ? new PayloadTooLargeError(maxBytes) : null, chunk);
    },
  });
  source.on('error', (error) => limiter.destroy(error));
  return source.pipe(limiter);
}

function streamedUpload(ctx: Context, upload: NonNullable<AdminRoute['upload']>): { stream: Readable; mediaType: string } {
  const mediaType = ctx.is(...upload.mediaTypes);
  if (!mediaType) throw new UnsupportedMediaTypeError(upload.mediaTypes.join(' or '));
  const declared = Number(ctx.get('content-length') || '0');
  if (declared > upload.maxBytes) throw new PayloadTooLargeError(upload.maxBytes);
  return { stream: limitedStream(ctx.req, upload.maxBytes), mediaType };
}

const isDownload = (value: unknown): value is Download => typeof value === 'object' && value !== null && 'stream' in value && 'mediaType' in value;

/**
 * Builds the admin API from its route table. Each route's chain: admin error surface → no-store → bearer →
 * audit of refusals → access → typed params, query and body → handler → response through its schema (a
 * whitelist: a field the schema does not name never leaves) → audit of reads (changes audit themselves, in
 * their transactions). Unknown paths answer 404 and known paths with another method 405, in the same shape.
 */
export function adminRouter(deps: { routes: readonly AdminRoute[]; bearer: (ctx: Context, next: Next) => Promise<void>; audit: AuditService; extra?: (router: Router) => void }): Router {
  const router = new Router({ prefix: ADMIN_API_PREFIX });
  const noStore = async (ctx: Context, next: Next) => {
    ctx.set('Cache-Control', 'no-store');
    await next();
  };
  deps.extra?.(router);

  for (const route of deps.routes) {
    const auditRefusals = async (_ctx: Context, next: Next) => {
      try {
        await next();
      } catch (error) {
        if (error instanceof AppError && (error.status === 401 || error.status === 403)) {
          await deps.audit.record({ type: 'admin.denied', outcome: 'failure', details: { operation: route.operationId, code: error.code } });
        }
        throw error;
      }
    };
    const handler = async (ctx: Context & WithAdminCaller) => {
      const params = route.params ? parsePart(route.params, ctx.params, 'path') : undefined;
      const query = route.query ? parsePart(route.query, parseFormText(ctx.querystring), 'query') : undefined;
      const body = route.body ? parsePart(route.body, await readJsonBody(ctx), 'body') : undefined;
      const upload = route.upload ? streamedUpload(ctx, route.upload) : undefined;
      const auditDetails: Record<string, AuditDetail> = {};
      const result = await route.handle({ params, query, body, caller: ctx.caller, upload, auditDetails } as never);
      ctx.status = route.status;
      if (route.response) ctx.body = route.response.parse(result);
      else if (route.download && isDownload(result)) {
        ctx.type = result.mediaType;
        ctx.set('Content-Disposition', `attachment; filename="${result.filename.replace(/[^\w.-]/g, '_')}"`);
        ctx.body = result.stream;
      }
      if (route.access === 'read') await deps.audit.record({ type: 'admin.read', details: { operation: route.operationId, ...auditDetails } });
    };
    router[route.method](route.path, errorSurface('admin'), noStore, auditRefusals, deps.bearer, requireAccess(route.access), handler);
  }

  router.all(FALLBACK, '{/*rest}', errorSurface('admin'), (ctx) => {
    const others = router.match(ctx.path, ctx.method).path.filter((layer) => layer.name !== FALLBACK);
    const allowed = [...new Set(others.flatMap((layer) => layer.methods))].filter((m) => m !== 'HEAD');
    if (allowed.length > 0) {
      ctx.set('Allow', allowed.join(', '));
      throw new MethodNotAllowedError(allowed);
    }
    throw new NotFoundError(`no admin operation at ${ctx.method} ${ctx.path}`);
  });
  return router;
}
