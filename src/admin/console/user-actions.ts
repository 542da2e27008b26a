import type { Context } from 'koa';
import { ConflictError, NotFoundError } from '../../errors/app-error.js';
import type { WithInput } from '../../http/validate.js';
import type { Services } from '../../services.js';
import { refuseOwnAccount, type WithMember } from './console-member.js';
import type { UserAppForm, UserForm, UserGroupForm, UserUnlinkForm } from './console.schema.js';

type Ctx<T> = Context & WithMember & WithInput<T>;

/** Back to the user's page with a fixed notice code (303: the browser then GETs it). */
function backTo(ctx: Context, userId: string, notice: string): void {
  ctx.status = 303;
  ctx.redirect(`/admin/users/${userId}?notice=${notice}`);
}

/**
 * The changes an administrator makes to one user. Each is one service call, which records its audit event
 * (with the member as the actor, named by the console's member step) in the transaction that makes it; the
 * lockouts end sessions, grants and storage credentials as the CLI's do.
 */
export function createUserActions(deps: { services: Pick<Services, 'users' | 'groups' | 'identities' | 'sessions' | 'revocations' | 'mfa'>; requireUser: (id: string) => Promise<unknown> }) {
  const { services } = deps;

  return {
    disable: async (ctx: Ctx<UserForm>) => {
      refuseOwnAccount(ctx.member, ctx.input.id, 'disable');
      await services.users.setEnabled(ctx.input.id, false);
      backTo(ctx, ctx.input.id, 'disabled');
    },
    enable: async (ctx: Ctx<UserForm>) => {
      await services.users.setEnabled(ctx.input.id, true);
      backTo(ctx, ctx.input.id, 'enabled');
    },
    requireReset: async (ctx: Ctx<UserForm>) => {
      await services.users.requireReset(ctx.input.id);
      backTo(ctx, ctx.input.id, 'reset_required');
    },
    resetMfa: async (ctx: Ctx<UserForm>) => {
      await services.mfa.reset(ctx.input.id);
      backTo(ctx, ctx.input.id, 'mfa_reset');
    },
    signOut: async (ctx: Ctx<UserForm>) => {
      await services.users.signOutEverywhere(ctx.input.id);
      backTo(ctx, ctx.input.id, 'signed_out');
    },
    /** POST /admin/users/:id/delete, from the confirmation page. */
    delete: async (ctx: Ctx<UserForm>) => {
      refuseOwnAccount(ctx.member, ctx.input.id, 'delete');
      await deps.requireUser(ctx.input.id);
      await services.users.delete(ctx.input.id);
      ctx.status = 303;
      ctx.redirect('/admin/users?notice=deleted');
    },
    addToGroup: async (ctx: Ctx<UserGroupForm>) => {
      await services.groups.addUser(ctx.input.group, ctx.input.id);
      backTo(ctx, ctx.input.id, 'group_added');
    },
    removeFromGroup: async (ctx: Ctx<UserGroupForm>) => {
      await services.groups.removeUser(ctx.input.group, ctx.input.id);
      backTo(ctx, ctx.input.id, 'group_removed');
    },
    /** Never the user's last way to sign in: the service refuses, and the page says why. */
    unlink: async (ctx: Ctx<UserUnlinkForm>) => {
      try {
        await services.identities.unlink(ctx.input.id, ctx.input.provider);
      } catch (error) {
        if (error instanceof ConflictError) throw new ConflictError('This provider is the user\'s only way to sign in (no password, passkey or other provider), so it was not unlinked.');
        throw error;
      }
      backTo(ctx, ctx.input.id, 'unlinked');
    },
    /** Ends one app's grant of the user; the storage credentials minted through it go too (a durable job). */
    signOutOfApp: async (ctx: Ctx<UserAppForm>) => {
      await deps.requireUser(ctx.input.id);
      if (!(await services.sessions.endApp(ctx.input.id, ctx.input.grant))) throw new NotFoundError('The user is not signed in to that app any more.');
      await services.revocations.requestForGrant(ctx.input.id, ctx.input.grant, 'logout');
      backTo(ctx, ctx.input.id, 'app_signed_out');
    },
  };
}
