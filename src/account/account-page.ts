import type { Context } from 'koa';
import type { UserService } from '../directory/user-service.js';
import { ConflictError, ForbiddenError, NotFoundError } from '../errors/app-error.js';
import type { AttributeService } from '../directory/attribute-service.js';
import type { UserPoolSettings } from '../directory/user-pool-settings.js';
import type { EmailChange } from '../directory/email-change.js';
import type { IdentityService } from '../federation/identity-service.js';
import type { ClientService } from '../oidc/client-service.js';
import type { SessionService } from '../oidc/session-service.js';
import type { RevocationService } from '../identity-pool/revocation-service.js';
import type { ProviderRegistry } from '../federation/provider-types.js';
import type { WithInput } from '../http/validate.js';
import type { Csrf } from '../interaction/csrf.js';
import type { Views } from '../interaction/views.js';
import type { Logger } from '../lib/logger.js';
import type { AppForm, DeleteForm, UnlinkForm } from './account.schema.js';
import { ACCOUNT_CLIENT_ID } from './account-client.js';
import type { WithAccount } from './account-session.js';
import { MFA_NOTICES, type MfaSection } from './account-mfa.js';
import { PASSKEY_NOTICES, type PasskeyItem } from './account-passkeys.js';
import { PASSKEY_SCRIPTS } from '../interaction/passkey/passkey-amr.js';

/** Outcomes shown after a redirect: fixed codes, so nothing from the URL is ever echoed onto the page. */
const NOTICES: Record<string, { kind: 'status' | 'alert'; text: string }> = {
  linked: { kind: 'status', text: 'The sign-in provider is linked to your account.' },
  unlinked: { kind: 'status', text: 'The sign-in provider is no longer linked to your account.' },
  already_linked: { kind: 'alert', text: 'Your account is already linked to this provider. Unlink it first to link another account.' },
  link_expired: { kind: 'alert', text: 'Linking expired or was already completed. Try again.' },
  link_refused: { kind: 'alert', text: 'The sign-in provider did not confirm the account, so nothing was linked.' },
  upstream_unavailable: { kind: 'alert', text: 'The sign-in provider cannot be reached right now. Try again later.' },
  linked_elsewhere: { kind: 'alert', text: 'That account is already linked to another user, so it was not linked to yours.' },
  ...MFA_NOTICES,
  ...PASSKEY_NOTICES,
  profile_saved: { kind: 'status', text: 'Your profile is saved.' },
  app_signed_out: { kind: 'status', text: 'You are signed out of that app; its tokens no longer work.' },
  email_code_sent: { kind: 'status', text: 'We sent a code to the new address. Enter it below; until then your current address stays in use.' },
  email_changed: { kind: 'status', text: 'Your new address is verified and now in use.' },
};

/** The profile attributes a user edits on the page: [claim, label, autocomplete token]. */
const EDITABLE_PROFILE = [['name', 'Full name', 'name'], ['given_name', 'First name', 'given-name'], ['family_name', 'Last name', 'family-name']] as const;

/** A stored custom attribute as a form shows it (attributes are strings, numbers or booleans). */
export function attributeText(value: unknown): string {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? String(value) : '';
}

/** The CSRF token of the account page's forms, bound to the provider session (whose cookie an attacker lacks). */
export const accountCsrfSubject = (sessionUid: string) => `account:${sessionUid}`;

/**
 * The self-service account page: the profile, the linked identities (unlink, link another provider) and
 * "sign out everywhere". Only what the user may see leaves the server (no claims, no subjects).
 */
/** What a refused form puts back on the page: its alert, the field errors, and what was typed (not passwords). */
export interface PageProblems {
  error?: string;
  fieldErrors?: Readonly<Record<string, string>>;
  values?: Readonly<Record<string, string>>;
}

export function createAccountPage(deps: { views: Views; csrf: Csrf; users: UserService; identities: IdentityService; registry: ProviderRegistry; attributes: AttributeService; sessions: SessionService; clients: ClientService; userPool: UserPoolSettings; revocations: Pick<RevocationService, 'requestForGrant'>; emailChange: EmailChange; logger: Logger; mfaSection?: (userId: string) => Promise<MfaSection | undefined>; passkeySection?: (userId: string) => Promise<PasskeyItem[]> }) {
  const { views, csrf, users, identities, registry, logger } = deps;

  async function render(ctx: Context & WithAccount, problems: PageProblems | string = {}, status = 200): Promise<void> {
    const { error, fieldErrors = {}, values = {} } = typeof problems === 'string' ? { error: problems } : problems;
    const { user } = ctx.account;
    const definitions = await deps.attributes.list();
    const apps = await deps.sessions.listApps(user.id);
    const selfDelete = await deps.userPool.selfDeleteAllowed();
    const pendingEmail = await deps.emailChange.pendingFor(user.id);
    const clientNames = new Map((await deps.clients.list()).map((client) => [client.client_id, client.name]));
    const linked = await identities.listForUser(user.id);
    const buttons = await registry.buttons();
    const names = new Map(buttons.map((button) => [button.name, button.displayName]));
    const notice = typeof ctx.query.notice === 'string' ? NOTICES[ctx.query.notice] : undefined;
    const { profile } = user;
    views.render(ctx, 'account.njk', {
      title: 'Your account',
      csrf: csrf.issue(accountCsrfSubject(ctx.account.sessionUid)),
      user: {
        username: user.username,
        email: user.email,
        emailVerified: user.email_verified,
        name: typeof profile.name === 'string' ? profile.name : [profile.given_name, profile.family_name].filter((part) => typeof part === 'string').join(' '),
        groups: user.groups,
        hasPassword: user.has_password,
      },
      profileFields: EDITABLE_PROFILE.map(([name, label, autocomplete]) => ({
        name, label, autocomplete, value: values[name] ?? (typeof profile[name] === 'string' ? profile[name] : ''), error: fieldErrors[name],
      })),
      // An immutable attribute that has a value is shown, not offered for editing (Cognito's rule).
      customFields: definitions.map((definition) => {
        const current = user.custom_attributes[definition.name];
        const field = `custom:${definition.name}`;
        return { name: field, label: definition.name, value: values[field] ?? attributeText(current), readOnly: !definition.mutable && current !== undefined, error: fieldErrors[field] };
      }),
      fieldErrors,
      selfDelete,
      pendingEmail: pendingEmail?.email,
      emailValue: values.email ?? '',
      // The account page's own client is this page, not an app to list.
      apps: apps.filter((app) => app.clientId !== ACCOUNT_CLIENT_ID).map((app) => ({
        grantId: app.grantId, name: clientNames.get(app.clientId) ?? 'An app that no longer exists',
        since: app.grantedAt.toISOString().slice(0, 16).replace('T', ' '), lastUsed: app.lastUsedAt.toISOString().slice(0, 16).replace('T', ' '),
      })),
      identities: linked.map((identity) => ({ provider: identity.provider, displayName: names.get(identity.provider) ?? identity.provider, email: identity.email, since: identity.created_at.slice(0, 10) })),
      linkable: buttons.filter((button) => !linked.some((identity) => identity.provider === button.name)),
      mfa: await deps.mfaSection?.(user.id),
      // The passkey section's "Add a passkey" needs the passkey script; the page allows it only then.
      passkeys: await deps.passkeySection?.(user.id),
      scripts: deps.passkeySection ? PASSKEY_SCRIPTS : [],
      error: error ?? (notice?.kind === 'alert' ? notice.text : undefined),
      notice: notice?.kind === 'status' ? notice.text : undefined,
    }, status);
  }

  return {
    render,

    /** GET /account */
    show: (ctx: Context & WithAccount) => render(ctx),

    /** POST /account/identities/unlink: never the user's last way to sign in. */
    unlink: async (ctx: Context & WithAccount & WithInput<UnlinkForm>): Promise<void> => {
      try {
        await identities.unlink(ctx.account.user.id, ctx.input.provider);
      } catch (error) {
        if (error instanceof ConflictError) return render(ctx, 'This is your only way to sign in, so it cannot be unlinked. Link another provider first.', 409);
        if (error instanceof NotFoundError) return render(ctx, 'Your account is not linked to this provider.', 404);
        throw error;
      }
      logger.info({ event: 'federation.unlinked', provider: ctx.input.provider, userId: ctx.account.user.id }, 'identity unlinked from the account page');
      ctx.status = 303;
      ctx.redirect('/account?notice=unlinked');
    },

    /** POST /account/apps/sign-out: ends one grant of the user (the app's tokens stop working at once). */
    signOutOfApp: async (ctx: Context & WithAccount & WithInput<AppForm>): Promise<void> => {
      if (!(await deps.sessions.endApp(ctx.account.user.id, ctx.input.grant))) return render(ctx, 'You are not signed in to that app.', 404);
      // Storage credentials minted through that app's grant go with it (a durable job; others stay).
      await deps.revocations.requestForGrant(ctx.account.user.id, ctx.input.grant, 'logout');
      logger.info({ event: 'account.app_signed_out', userId: ctx.account.user.id }, 'signed out of one app from the account page');
      ctx.status = 303;
      ctx.redirect('/account?notice=app_signed_out');
    },

    /**
     * POST /account/delete, where the pool allows it: after a recent sign-in (the route checks) and the
     * typed confirmation, the user is deleted as `latchkey user delete` does (sessions, tokens, storage
     * credentials end with it).
     */
    deleteAccount: async (ctx: Context & WithAccount & WithInput<DeleteForm>): Promise<void> => {
      if (!(await deps.userPool.selfDeleteAllowed())) throw new ForbiddenError('self_delete_disabled', 'Deleting your own account is not enabled here. Ask your administrator.');
      if (ctx.input.confirm.trim().toUpperCase() !== 'DELETE') {
        return render(ctx, { error: 'Your account was not deleted.', fieldErrors: { confirm: 'Type DELETE to confirm.' } }, 400);
      }
      await users.delete(ctx.account.user.id);
      logger.info({ event: 'account.deleted_by_user', userId: ctx.account.user.id }, 'account deleted by its user');
      views.render(ctx, 'logged-out.njk', { title: 'Account deleted', deleted: true });
    },

    /** POST /account/sign-out-everywhere: ends every session and grant, and revokes storage credentials. */
    signOutEverywhere: async (ctx: Context & WithAccount): Promise<void> => {
      await users.signOutEverywhere(ctx.account.user.id);
      views.render(ctx, 'logged-out.njk', { title: 'Signed out everywhere', everywhere: true });
    },
  };
}
