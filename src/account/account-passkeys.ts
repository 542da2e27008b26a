import type { Context } from 'koa';
import type { PasskeyService } from '../directory/passkeys/passkey-service.js';
import type { WithInput } from '../http/validate.js';
import type { PasskeyDeleteForm, PasskeyRegistrationForm, PasskeyRenameForm } from '../interaction/passkey/passkey.schema.js';
import type { Logger } from '../lib/logger.js';
import type { WithAccount } from './account-session.js';

/** The account page's notices for passkeys (fixed codes, never text from the URL). */
export const PASSKEY_NOTICES: Record<string, { kind: 'status' | 'alert'; text: string }> = {
  passkey_added: { kind: 'status', text: 'Your passkey is added. Use it to sign in, or as the second step after your password.' },
  passkey_renamed: { kind: 'status', text: 'Your passkey is renamed.' },
  passkey_deleted: { kind: 'status', text: 'The passkey is deleted; it no longer signs you in.' },
};

/** One row of the page's passkey list. */
export interface PasskeyItem {
  id: string;
  name: string;
  created: string;
  lastUsed: string | null;
  synced: boolean;
}

const minute = (date: Date) => date.toISOString().slice(0, 16).replace('T', ' ');

/** What binds a registration's challenge: the account page's provider session. */
export const accountBinding = (sessionUid: string) => `account:${sessionUid}`;

/**
 * Passkeys on the account page: "Add a passkey" (options as JSON, created by the browser, verified and
 * stored), the list with names and dates, rename and delete. The routes put the CSRF check and a recent
 * sign-in in front of each; deleting never removes the user's last way to sign in.
 */
export function createAccountPasskeys(deps: { passkeys: PasskeyService; logger: Logger; render: (ctx: Context & WithAccount, error: string, status: number) => Promise<void> }) {
  const { passkeys, logger } = deps;
  const back = (ctx: Context, notice: string) => {
    ctx.status = 303;
    ctx.redirect(`/account?notice=${notice}`);
  };

  return {
    /** The section's data for GET /account. */
    section: async (userId: string): Promise<PasskeyItem[]> => (await passkeys.list(userId)).map((passkey) => ({
      id: passkey.id, name: passkey.name, created: minute(passkey.createdAt), lastUsed: passkey.lastUsedAt ? minute(passkey.lastUsedAt) : null, synced: passkey.synced,
    })),

    /** POST /account/passkeys/options: creation options (JSON), the challenge bound to this session. */
    options: async (ctx: Context & WithAccount): Promise<void> => {
      ctx.set('Cache-Control', 'no-store');
      ctx.body = await passkeys.registrationOptions(ctx.account.user, accountBinding(ctx.account.sessionUid));
    },

    /** POST /account/passkeys: the browser's new credential, verified against this session's challenge. */
    add: async (ctx: Context & WithAccount & WithInput<PasskeyRegistrationForm>): Promise<void> => {
      const { user, sessionUid } = ctx.account;
      if (!ctx.input.credential) return deps.render(ctx, 'No passkey was created. Adding a passkey needs JavaScript and a browser or device that supports passkeys.', 400);
      const name = ctx.input.name.trim() || `Passkey ${(await passkeys.count(user.id)) + 1}`;
      const result = await passkeys.register(user, accountBinding(sessionUid), ctx.input.credential, name);
      if (!result.ok) {
        logger.info({ event: 'passkey.registration_failed', userId: user.id, reason: result.reason, detail: result.detail }, 'passkey not registered');
        const error = result.reason === 'already_registered' ? 'This passkey is already registered.' : 'The passkey could not be added. Try again.';
        return deps.render(ctx, error, 400);
      }
      logger.info({ event: 'passkey.registered', userId: user.id, passkey: result.passkey.id }, 'passkey registered');
      back(ctx, 'passkey_added');
    },

    /** POST /account/passkeys/rename */
    rename: async (ctx: Context & WithAccount & WithInput<PasskeyRenameForm>): Promise<void> => {
      const name = ctx.input.name.trim();
      if (!name) return deps.render(ctx, 'Give the passkey a name.', 400);
      if (!(await passkeys.rename(ctx.account.user.id, ctx.input.passkey, name))) return deps.render(ctx, 'That passkey is not registered to your account.', 404);
      back(ctx, 'passkey_renamed');
    },

    /** POST /account/passkeys/delete: refused for the last way to sign in (no password, no linked provider). */
    remove: async (ctx: Context & WithAccount & WithInput<PasskeyDeleteForm>): Promise<void> => {
      const outcome = await passkeys.remove(ctx.account.user.id, ctx.input.passkey);
      if (outcome === 'absent') return deps.render(ctx, 'That passkey is not registered to your account.', 404);
      if (outcome === 'last') return deps.render(ctx, 'This passkey is your only way to sign in, so it cannot be deleted. Add another passkey or link a sign-in provider first.', 409);
      logger.info({ event: 'passkey.deleted', userId: ctx.account.user.id, passkey: ctx.input.passkey }, 'passkey deleted');
      back(ctx, 'passkey_deleted');
    },
  };
}
