import type { Context, Next } from 'koa';

/**
 * Headers for every response. The strict CSP for hosted pages is set where they render (views.ts):
 * oidc-provider's own pages (form_post) need their inline script, so the global policy stays narrow.
 */
export async function securityHeaders(ctx: Context, next: Next): Promise<void> {
  ctx.set('X-Content-Type-Options', 'nosniff');
  ctx.set('Referrer-Policy', 'no-referrer');
  ctx.set('X-Frame-Options', 'DENY');
  ctx.set('Cross-Origin-Opener-Policy', 'same-origin');
  if (ctx.protocol === 'https') ctx.set('Strict-Transport-Security', 'max-age=31536000; includeSubDomains');
  await next();
}
