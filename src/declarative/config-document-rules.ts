import type { z } from 'zod';
import { attributeName, attributeNameProblem, definitionProblems } from '../directory/attribute-definition.js';
import { GROUP_NAME } from '../directory/group-service.js';
import { normalizeIdentifier } from '../directory/normalize.js';
import { SIGNUP_ATTRIBUTES } from '../directory/user-pool-settings.js';
import type { FieldProblem } from '../errors/app-error.js';
import { MAIL_TEMPLATES } from '../mail/mailer.js';
import { PROVIDER_NAME } from '../federation/provider-fields.js';
import { ROLE_NAME } from '../identity-pool/role-service.js';
import { logoutSettingsProblems } from '../oidc/client-logout-settings.js';
import { clientFieldProblems, clientIdProblem, validRedirectUri } from '../oidc/client-validation.js';

/**
 * The checks of the configuration file that its shape alone cannot say, made with the services' own rule
 * books (client fields, attribute declarations, names), so the file is refused for what `create` would
 * refuse, and every problem is named by its place in the file before anything is written.
 */

type Context = z.core.$RefinementCtx;
type Path = (string | number)[];

const issue = (ctx: Context, path: Path, message: string) => ctx.addIssue({ code: 'custom', path, message });

/** The service's field names (snake_case, as the admin API has them) in the file's vocabulary. */
const FIELD_NAMES: Record<string, string> = {
  grant_types: 'grantTypes', redirect_uris: 'redirectUris', post_logout_redirect_uris: 'postLogoutRedirectUris', providers: 'upstreamProviders',
  backchannel_logout_uri: 'backchannelLogoutUri', backchannel_logout_session_required: 'backchannelLogoutSessionRequired',
  min_length: 'minLength', max_length: 'maxLength', min_value: 'minValue', max_value: 'maxValue',
};

/** Reports the service's problems at their places in the file. */
function report(ctx: Context, problems: readonly FieldProblem[]): void {
  for (const problem of problems) issue(ctx, problem.path.split('.').map((part) => FIELD_NAMES[part] ?? part), problem.message);
}

interface ClientFields {
  public: boolean; secret?: unknown; name: string; redirectUris: string[]; postLogoutRedirectUris: string[]; grantTypes: string[];
  scope: string; upstreamProviders: string[] | null; backchannelLogoutUri: string | null; backchannelLogoutSessionRequired: boolean;
  skipLogoutConfirmation: boolean;
}

export function checkClient(client: ClientFields, ctx: Context): void {
  if (client.public && client.secret !== undefined) issue(ctx, ['secret'], 'a public client has no secret');
  if (!client.public && client.secret === undefined) issue(ctx, ['secret'], 'a confidential client needs a secret: { env: NAME }');
  // Each URI is named by its index here; the rule book below then sees a valid stand-in, so that its other
  // rules (at least one redirect URI for authorization_code) still count the list as given.
  const standIn = 'https://valid.invalid/';
  const checked = (field: 'redirectUris' | 'postLogoutRedirectUris') => client[field].map((uri, i) => {
    if (validRedirectUri(uri, client.public)) return uri;
    issue(ctx, [field, i], `"${uri}" must be https, loopback http, or (public clients) a private-use scheme, without fragment`);
    return standIn;
  });
  const redirectUris = checked('redirectUris');
  const postLogoutRedirectUris = checked('postLogoutRedirectUris');
  if (!client.grantTypes.includes('authorization_code') && client.redirectUris.length > 0) {
    issue(ctx, ['redirectUris'], 'only a client using authorization_code has redirect URIs');
  }
  report(ctx, clientFieldProblems({
    name: client.name, isPublic: client.public, grantTypes: client.grantTypes, redirectUris, postLogoutRedirectUris,
    scopes: client.scope.split(/\s+/).filter(Boolean), upstreams: client.upstreamProviders ?? undefined,
  }));
  report(ctx, logoutSettingsProblems({
    ...(client.backchannelLogoutUri !== null ? { backchannelLogoutUri: client.backchannelLogoutUri } : {}),
    backchannelLogoutSessionRequired: client.backchannelLogoutSessionRequired, skipLogoutConfirmation: client.skipLogoutConfirmation,
  }));
}

export function checkAttribute(a: { type: string; required: boolean; mutable: boolean; minLength: number | null; maxLength: number | null; minValue: number | null; maxValue: number | null }, ctx: Context): void {
  report(ctx, definitionProblems({
    name: 'checked', type: a.type as 'string', required: a.required, mutable: a.mutable,
    min_length: a.minLength, max_length: a.maxLength, min_value: a.minValue, max_value: a.maxValue,
  }));
}

const CUSTOM_CLAIM = /^custom:[a-z][a-z0-9_]{0,31}$/;

export function checkSignUp(signUp: { required: string[] }, ctx: Context): void {
  signUp.required.forEach((name, i) => {
    if (!(SIGNUP_ATTRIBUTES as readonly string[]).includes(name) && !CUSTOM_CLAIM.test(name)) issue(ctx, ['required', i], `use ${SIGNUP_ATTRIBUTES.join(', ')} or custom:NAME`);
  });
}

export function checkUsers(users: { email: string; username?: string | undefined }[], ctx: Context): void {
  const seen = new Map<string, number>();
  users.forEach((user, i) => {
    for (const [field, value] of [['email', user.email], ['username', user.username]] as const) {
      if (value === undefined) continue;
      const key = `${field}:${normalizeIdentifier(value)}`;
      const first = seen.get(key);
      if (first !== undefined) issue(ctx, [i, field], `the same ${field} as users[${first}]`);
      else seen.set(key, i);
    }
  });
}

const KEY_RULES: Record<'client' | 'group' | 'role' | 'provider' | 'attribute' | 'emailTemplate', (key: string) => string | undefined> = {
  client: clientIdProblem,
  group: (key) => (GROUP_NAME.test(key) ? undefined : 'a group name: letters, digits and . _ - (1-128), starting with a letter or digit'),
  role: (key) => (ROLE_NAME.test(key) ? undefined : 'a role name: letters, digits and . _ - (1-64), starting with a letter or digit'),
  provider: (key) => (PROVIDER_NAME.test(key) ? undefined : 'a provider name: a lower-case letter, then lower-case letters, digits or - (1-32)'),
  attribute: (key) => attributeNameProblem(attributeName(key)) ?? undefined,
  emailTemplate: (key) => ((MAIL_TEMPLATES as readonly string[]).includes(key) ? undefined : `a mail template: ${MAIL_TEMPLATES.join(', ')}`),
};

/** A section's keys name its entries: each must be a valid name of that kind (and attributes must not repeat with and without `custom:`). */
export function keysMatching(kind: keyof typeof KEY_RULES) {
  return (entries: Record<string, unknown>, ctx: Context): void => {
    const names = new Set<string>();
    for (const key of Object.keys(entries)) {
      const problem = KEY_RULES[kind](key);
      if (problem) issue(ctx, [key], problem);
      const name = kind === 'attribute' ? attributeName(key) : key;
      if (names.has(name)) issue(ctx, [key], `declares custom:${name} twice`);
      names.add(name);
    }
  };
}
