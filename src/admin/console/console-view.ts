import type { Context, Next } from 'koa';
import { CsrfError } from '../../errors/app-error.js';
import { errorSurface } from '../../http/error-surfaces/surface.js';
import type { WithInput } from '../../http/validate.js';
import type { Csrf } from '../../interaction/csrf.js';
import type { CsrfForm } from '../../interaction/csrf.schema.js';
import type { Views } from '../../interaction/views.js';
import { NotAnAdministratorError, SelfLockoutError, type WithMember } from './console-member.js';
import { CONSOLE_NOTICES } from './console-notices.js';

/**
 * The console's own policy: no script at all (the pages need none), styles from our origin, forms posted
 * only back to Latchkey, never framed. Stricter than the hosted pages' (which must allow the redirect to an
 * app after a form post).
 */
export const CONSOLE_CSP = "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/** The console's sections, in the navigation's order: [path, label]. */
const SECTIONS = [
  ['/admin', 'Dashboard'], ['/admin/users', 'Users'], ['/admin/groups', 'Groups'], ['/admin/clients', 'Clients'],
  ['/admin/roles', 'Roles'], ['/admin/providers', 'Providers'], ['/admin/attributes', 'Attributes'], ['/admin/audit', 'Audit log'],
] as const;

/** The CSRF subject of the console's forms: the provider session, whose cookie a cross-site page lacks. */
const csrfSubject = (sessionUid: string) => `admin:${sessionUid}`;

/** Console headers on every console response, error pages included: never cached, never framed. */
export async function consoleHeaders(ctx: Context, next: Next): Promise<void> {
  try {
    await next();
  } finally {
    ctx.set('Cache-Control', 'no-store');
    ctx.set('X-Frame-Options', 'DENY');
    if (ctx.type === 'text/html') ctx.set('Content-Security-Policy', CONSOLE_CSP);
  }
}

export type ConsoleView = ReturnType<typeof createConsoleView>;

/**
 * Renders console pages in the console layout with what every page needs: the member, the navigation, the
 * CSRF token, whether change buttons are shown (not to read-only members) and a notice chosen by a fixed
 * code (nothing from the URL is echoed).
 */
export function createConsoleView(deps: { views: Views; csrf: Csrf }) {
  const { views, csrf } = deps;
  const pageSurface = errorSurface('page');
  return {
    render(ctx: Context & WithMember, template: string, data: Record<string, unknown>, status = 200): void {
      const notice = typeof ctx.query.notice === 'string' ? CONSOLE_NOTICES[ctx.query.notice] : undefined;
      const section = (data.section as string | undefined) ?? '/admin';
      views.render(ctx, `admin/${template}`, {
        member: { name: ctx.member.displayName, readOnly: ctx.member.access !== 'admin' },
        canWrite: ctx.member.access === 'admin',
        csrf: csrf.issue(csrfSubject(ctx.member.sessionUid)),
        nav: SECTIONS.map(([href, label]) => ({ href, label, current: href === section })),
        notice,
        ...data,
      }, status);
    },

    /** The CSRF step of every console form, after the typed form and the access check. */
    checkCsrf: async (ctx: Context & WithMember & WithInput<CsrfForm>, next: Next): Promise<void> => {
      csrf.verify(csrfSubject(ctx.member.sessionUid), ctx.input.csrf);
      await next();
    },

    /**
     * The first step of every console route: errors on the hosted-page surface, the console's headers, and
     * its refusals as console pages.
     */
    edge: async (ctx: Context, next: Next): Promise<void> => {
      await pageSurface(ctx, () => consoleHeaders(ctx, () => refusals(ctx, next)));
    },
  };

  /**
   * The console's refusals (not a member, read-only, a form without its token, a lockout of oneself) as a page with status 403
   * and a way out; other errors go on to the hosted pages' error surface.
   */
  async function refusals(ctx: Context, next: Next): Promise<void> {
    try {
      await next();
    } catch (error) {
      if (!(error instanceof NotAnAdministratorError || error instanceof CsrfError || error instanceof SelfLockoutError)) throw error;
      views.render(ctx, 'admin/forbidden.njk', { title: 'Access refused', error: error.message }, 403);
    }
  }
}
