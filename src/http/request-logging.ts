import { randomUUID } from 'node:crypto';
import type { Context, Next } from 'koa';
import { withLogContext } from '../lib/log-context.js';
import { requestLineLogger, type Logger } from '../lib/logger.js';

/** An incoming X-Request-Id is kept only in this shape (a proxy's UUID or trace id); else one is drawn. */
const REQUEST_ID = /^[\w.-]{1,64}$/;

/**
 * Gives each request an id (echoed as X-Request-Id, and on every log line written while it is served) and
 * logs one line when it ends: method, path without query string (queries carry codes and state), status and
 * duration. Never headers or bodies.
 */
export function requestLogging(logger: Logger) {
  const lines = requestLineLogger(logger);
  return async function logRequest(ctx: Context, next: Next): Promise<void> {
    const started = process.hrtime.bigint();
    const inbound = ctx.get('x-request-id');
    const requestId = REQUEST_ID.test(inbound) ? inbound : randomUUID();
    ctx.state.requestId = requestId;
    ctx.set('X-Request-Id', requestId);
    try {
      await withLogContext({ requestId }, next);
    } finally {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (ctx.path !== '/healthz') {
        lines.info({ requestId, method: ctx.method, path: ctx.path, status: ctx.status, ms: Math.round(ms * 10) / 10 }, 'request');
      }
    }
  };
}
