import type { Context, Next } from 'koa';
import { withAuditContext } from '../audit/audit-context.js';

/**
 * Opens the request's audit context: the caller's address (as `ctx.ip` reads it: X-Forwarded-For only when
 * LATCHKEY_TRUST_PROXY is set) and an anonymous actor until a later step proves who is asking.
 */
export async function auditScope(ctx: Context, next: Next): Promise<void> {
  await withAuditContext({ actor: { kind: 'anonymous', id: null }, clientId: null, address: ctx.ip || null }, next);
}
