import { randomUUID } from 'node:crypto';
import type { Context, Next } from 'koa';
import type { Logger } from '../lib/logger.js';

/**
 * Gives each request an id (echoed as X-Request-Id) and logs one line when it ends: method, path without
 * query string (queries carry codes and state), status and duration. Never headers or bodies.
 */
export function requestLogging(logger: Logger) {
  return async function logRequest(ctx: Context, next: Next): Promise<void> {
    const started = process.hrtime.bigint();
    const inbound = ctx.get('x-request-id');
    ctx.state.requestId = /^[\w.-]{1,64}$/.test(inbound) ? inbound : randomUUID();
    ctx.set('X-Request-Id', ctx.state.requestId as string);
    try {
      await next();
    } finally {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (ctx.path !== '/healthz') {
        logger.info({ requestId: ctx.state.requestId, method: ctx.method, path: ctx.path, status: ctx.status, ms: Math.round(ms * 10) / 10 }, 'request');
      }
    }
  };
}
