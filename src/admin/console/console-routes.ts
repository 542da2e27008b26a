import Router from '@koa/router';
import type { Csrf } from '../../interaction/csrf.js';
import type { Views } from '../../interaction/views.js';
import { validate } from '../../http/validate.js';
import type { Clock } from '../../lib/clock.js';
import type { ProviderHolder } from '../../oidc/provider-holder.js';
import type { Services } from '../../services.js';
import { auditPage } from './audit-page.js';
import { formWithParams, pathParams, queryWithParams } from './console-input.js';
import { loadConsoleMember, requireWriteAccess } from './console-member.js';
import { createConsoleSignIn } from './console-sign-in.js';
import { createConsoleView } from './console-view.js';
import { auditSearchSchema, userFormSchema, userGroupFormSchema, userAppFormSchema, userParamsSchema, userSearchSchema, userUnlinkFormSchema } from './console.schema.js';
import { dashboardPage } from './dashboard-page.js';
import { settingsRoutes } from './settings-routes.js';
import { createUserActions } from './user-actions.js';
import { createUserPages } from './user-pages.js';

export interface ConsoleDeps {
  services: Services;
  holder: ProviderHolder;
  views: Views;
  csrf: Csrf;
  clock: Clock;
  issuer: string;
}


/**
 * The admin console under `/admin` (the admin API keeps `/admin/v1`). Every route is a chain: the edge (page
 * error surface, no-store, unframed and script-free headers, refusals as a console page) → the signed-in
 * member of the admin group, read at this request → for a change: write access, the typed form, CSRF → the
 * handler, which calls one service (the service records the audit event) and redirects with a notice.
 */
export function consoleRoutes(deps: ConsoleDeps): Router {
  const { services } = deps;
  const router = new Router();
  const view = createConsoleView(deps);
  const { edge, checkCsrf: csrf } = view;
  const member = loadConsoleMember({ holder: deps.holder, users: services.users, admins: services.admins });
  const write = requireWriteAccess;
  const signIn = createConsoleSignIn(deps);
  const users = createUserPages({ services, view });
  const act = createUserActions({ services, requireUser: users.requireUser });
  const userForm = validate(userFormSchema, formWithParams);

  router.get('/admin/sign-in', edge, signIn.start);
  router.get('/admin/callback', edge, signIn.callback);
  router.get('/admin', edge, member, dashboardPage({ services, view, clock: deps.clock }));

  router.get('/admin/users', edge, member, validate(userSearchSchema, queryWithParams), users.search);
  router.get('/admin/users/:id', edge, member, validate(userParamsSchema, pathParams), users.show);
  router.get('/admin/users/:id/delete', edge, member, validate(userParamsSchema, pathParams), users.confirmDelete);
  router.post('/admin/users/:id/disable', edge, member, write, userForm, csrf, act.disable);
  router.post('/admin/users/:id/enable', edge, member, write, userForm, csrf, act.enable);
  router.post('/admin/users/:id/require-reset', edge, member, write, userForm, csrf, act.requireReset);
  router.post('/admin/users/:id/reset-mfa', edge, member, write, userForm, csrf, act.resetMfa);
  router.post('/admin/users/:id/sign-out', edge, member, write, userForm, csrf, act.signOut);
  router.post('/admin/users/:id/delete', edge, member, write, userForm, csrf, act.delete);
  router.post('/admin/users/:id/groups/add', edge, member, write, validate(userGroupFormSchema, formWithParams), csrf, act.addToGroup);
  router.post('/admin/users/:id/groups/remove', edge, member, write, validate(userGroupFormSchema, formWithParams), csrf, act.removeFromGroup);
  router.post('/admin/users/:id/identities/unlink', edge, member, write, validate(userUnlinkFormSchema, formWithParams), csrf, act.unlink);
  router.post('/admin/users/:id/apps/sign-out', edge, member, write, validate(userAppFormSchema, formWithParams), csrf, act.signOutOfApp);

  router.get('/admin/audit', edge, member, validate(auditSearchSchema, queryWithParams), auditPage({ services, view }));
  settingsRoutes(router, { services, view, member });
  return router;
}
