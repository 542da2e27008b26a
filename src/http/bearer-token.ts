import type { Context } from 'koa';

/** The token of an `Authorization: Bearer <token>` header (RFC 6750 §2.1), or undefined when there is none. */
export function bearerToken(ctx: Context): string | undefined {
  return /^Bearer ([^\s]+)$/.exec(ctx.get('authorization'))?.[1];
}
