import { z } from 'zod';
import { GROUP_NAME } from '../directory/group-service.js';
import { MFA_MODES } from '../directory/mfa/mfa-service.js';
import {
  DEFAULT_PASSWORD_POLICY_OPTIONS, MAX_PASSWORD_LENGTH_CEILING, MAX_PASSWORD_LENGTH_FLOOR, MIN_PASSWORD_LENGTH_FLOOR, TEMPORARY_PASSWORD_VALIDITY_DAYS_MAX, TEMPORARY_PASSWORD_VALIDITY_DAYS_MIN,
} from '../directory/password-policy.js';
import { MAX_BRANDING_BYTES } from '../branding/theme-css.js';
import { MATCH_TYPES, MAX_RULES, ROLE_NAME } from '../identity-pool/role-service.js';
import { SUPPORTED_GRANT_TYPES } from '../oidc/client-validation.js';
import { checkAttribute, checkClient, checkSignUp, checkUsers, keysMatching } from './config-document-rules.js';
import { AUTH_FLOWS, DEFAULT_AUTH_FLOWS } from '../oidc/client-auth-flows.js';

/**
 * The declarative configuration file (`latchkey config apply`, `LATCHKEY_CONFIG`), in the vocabulary of the
 * CLI and the admin API (camelCase, as YAML files usually are). Every section is optional: a section the
 * file leaves out is not touched. Within an entry an omitted field takes the default `create` gives it, so
 * an entry says the whole of what it declares. The JSON Schema in resources/latchkey-config.schema.json is
 * generated from this file.
 */

/** Why a literal secret is refused (a file is committed, copied and diffed; a secret in it leaks). */
export const LITERAL_SECRET_MESSAGE = 'a secret is never written in the file: use { env: NAME } to read it from that environment variable';

const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, 'must be an environment variable name (letters, digits and _, not starting with a digit)');

/** `{ env: NAME }`: the value is read from that environment variable when the file is applied. */
export const secretReference = z.strictObject({ env: envName }, {
  error: (issue) => (issue.code === 'invalid_type' && typeof issue.input === 'string' ? LITERAL_SECRET_MESSAGE : undefined),
}).describe('a reference to an environment variable holding the secret: { env: NAME }; never the secret itself');

const uriList = z.array(z.string().min(1).max(2048)).max(50);
const roleName = z.string().regex(ROLE_NAME, 'letters, digits and . _ - (1-64), starting with a letter or digit');
const groupName = z.string().regex(GROUP_NAME, 'letters, digits and . _ - (1-128), starting with a letter or digit');
const claim = z.string().min(1).max(128);

export const clientEntry = z.strictObject({
  name: z.string().min(1).max(200).describe('display name shown on the consent page'),
  public: z.boolean().default(false).describe('a public client (SPA or native app): PKCE, no secret; cannot change once created'),
  secret: secretReference.optional().describe('a confidential client\'s secret (required for one, refused for a public client)'),
  redirectUris: uriList.default([]),
  postLogoutRedirectUris: uriList.default([]),
  grantTypes: z.array(z.enum(SUPPORTED_GRANT_TYPES)).min(1).default(['authorization_code', 'refresh_token']),
  scope: z.string().min(1).max(4096).default('openid profile email offline_access').describe('space-separated scopes the client may request'),
  firstParty: z.boolean().default(false).describe('your own app: users are not asked to consent'),
  upstreamProviders: z.array(z.string().min(1).max(32)).max(64).nullable().default(null).describe('providers its sign-in offers; null: every configured one; []: none'),
  signup: z.boolean().default(true).describe('its users may sign themselves up (when the pool allows it)'),
  backchannelLogoutUri: z.string().min(1).max(2048).nullable().default(null),
  backchannelLogoutSessionRequired: z.boolean().default(false),
  skipLogoutConfirmation: z.boolean().default(false),
  explicitAuthFlows: z.array(z.enum(Object.values(AUTH_FLOWS))).max(Object.values(AUTH_FLOWS).length).default([...DEFAULT_AUTH_FLOWS])
    .describe('the Cognito API sign-in flows it may use, by Cognito\'s ExplicitAuthFlows names'),
  cognitoClaims: z.boolean().default(false).describe("its tokens also carry Cognito's claims: token_use, cognito:username, cognito:groups, and username in access tokens"),
}).superRefine(checkClient);

export const groupEntry = z.strictObject({
  description: z.string().max(2048).default(''),
  precedence: z.number().int().min(0).max(2_147_483_647).default(0).describe('lower wins when choosing a role'),
  role: roleName.nullable().default(null).describe('identity-pool role its members may assume'),
});

export const roleEntry = z.strictObject({
  description: z.string().max(2048).default(''),
  maxDurationSeconds: z.number().int().positive().default(3600).describe('longest session of credentials issued for the role'),
  policy: z.record(z.string(), z.unknown()).optional().describe('the policy template (Version 2012-10-17, Statement) with ${sub}, ${username}, ${email}'),
  policyFile: z.string().min(1).max(4096).optional().describe('a JSON file holding the policy template, relative to this file'),
}).superRefine((role, ctx) => {
  if ((role.policy === undefined) === (role.policyFile === undefined)) ctx.addIssue({ code: 'custom', path: ['policy'], message: 'give either policy or policyFile' });
});

export const roleMappingSection = z.strictObject({
  rules: z.array(z.strictObject({ claim, match: z.enum(MATCH_TYPES), value: z.string().max(512), role: roleName })).max(MAX_RULES).default([]).describe('first match wins'),
  defaultRole: roleName.nullable().default(null).describe('the role of a user no rule or group gives one'),
  ambiguousRoleResolution: z.enum(['deny', 'default_role']).default('deny').describe('when several roles apply and none was asked for'),
  guestRole: roleName.nullable().default(null).describe('the role of guests of the Cognito identity-pool API (GetId without logins); null: no guests'),
});

export const providerEntry = z.strictObject({
  issuer: z.string().min(1).max(2048).describe('the OpenID Provider\'s issuer (https)'),
  clientId: z.string().min(1).max(512),
  clientSecret: secretReference.optional().describe('omit for a public client'),
  scope: z.string().min(1).max(1024).default('openid email profile'),
  displayName: z.string().min(1).max(100).optional().describe('the sign-in button\'s label; default: the name'),
  trustEmail: z.boolean().default(false).describe('link a verified e-mail to an existing user'),
  groupRules: z.array(z.strictObject({ claim, value: z.string().min(1).max(256), group: groupName })).default([])
    .describe('an upstream claim value that puts the user in a local group at sign-in'),
});

export const attributeEntry = z.strictObject({
  type: z.enum(['string', 'number', 'boolean']),
  required: z.boolean().default(false),
  mutable: z.boolean().default(true).describe('users may change it on their account page'),
  minLength: z.number().int().nullable().default(null).describe('strings only'),
  maxLength: z.number().int().nullable().default(null).describe('strings only'),
  minValue: z.number().nullable().default(null).describe('numbers only'),
  maxValue: z.number().nullable().default(null).describe('numbers only'),
}).superRefine(checkAttribute);

const d = DEFAULT_PASSWORD_POLICY_OPTIONS;
export const passwordPolicySection = z.strictObject({
  minLength: z.number().int().min(MIN_PASSWORD_LENGTH_FLOOR).max(MAX_PASSWORD_LENGTH_CEILING).default(d.minLength),
  maxLength: z.number().int().min(MAX_PASSWORD_LENGTH_FLOOR).max(MAX_PASSWORD_LENGTH_CEILING).default(d.maxLength),
  requireLowercase: z.boolean().default(d.requireLowercase),
  requireUppercase: z.boolean().default(d.requireUppercase),
  requireDigit: z.boolean().default(d.requireDigit),
  requireSymbol: z.boolean().default(d.requireSymbol),
  rejectCommon: z.boolean().default(d.rejectCommon),
  rejectPersonal: z.boolean().default(d.rejectPersonal),
  temporaryPasswordValidityDays: z.number().int().min(TEMPORARY_PASSWORD_VALIDITY_DAYS_MIN).max(TEMPORARY_PASSWORD_VALIDITY_DAYS_MAX).default(d.temporaryPasswordValidityDays)
    .describe('days an administrator\'s temporary password may be used for the first sign-in'),
}).refine((p) => p.minLength <= p.maxLength, { path: ['minLength'], message: 'must not be greater than maxLength' })
  .describe('the whole policy: an option left out takes its default');

export const userEntry = z.strictObject({
  email: z.email().max(254).describe('identifies the user: an existing user with this address is not created again'),
  username: z.string().min(1).max(128).optional(),
  name: z.string().min(1).max(256).optional(),
  givenName: z.string().min(1).max(256).optional(),
  familyName: z.string().min(1).max(256).optional(),
  groups: z.array(groupName).max(100).optional().describe('the user\'s group memberships, reconciled at every apply; omitted: left as they are'),
  verified: z.boolean().default(false).describe('the e-mail address is verified'),
  password: secretReference.optional().describe('set when the user is created, never overwritten afterwards'),
});

/** `{ file: PATH }`: the text is read from that file, relative to the configuration file, when it is applied. */
const fileReference = z.strictObject({ file: z.string().min(1).max(4096) }).describe('a file holding the text, relative to this file: { file: PATH }');
const templatePart = z.union([z.string().min(1).max(MAX_BRANDING_BYTES), fileReference]);

export const themeSection = z.strictObject({
  css: z.string().max(MAX_BRANDING_BYTES).optional().describe('the stylesheet appended to the hosted pages\' own (override the --lk-* custom properties)'),
  cssFile: z.string().min(1).max(4096).optional().describe('a CSS file holding it, relative to this file'),
}).refine((theme) => theme.css === undefined || theme.cssFile === undefined, { path: ['css'], message: 'give either css or cssFile' })
  .describe('the hosted pages\' theme, replacing LATCHKEY_THEME_CSS; {}: none stored, LATCHKEY_THEME_CSS applies');

export const emailTemplateEntry = z.strictObject({
  text: templatePart.optional().describe('the plain-text part (Nunjucks); it sets the subject: {% set subject %}…{% endset %}'),
  html: templatePart.optional().describe('the HTML part (Nunjucks, values escaped); may {% extends "layout.html.njk" %}'),
}).refine((entry) => entry.text !== undefined || entry.html !== undefined, { path: ['text'], message: 'give text, html or both' });

export const configDocumentSchema = z.strictObject({
  $schema: z.string().optional(),
  clients: z.record(z.string(), clientEntry).superRefine(keysMatching('client')).optional().describe('OAuth clients (applications), by client id'),
  groups: z.record(z.string(), groupEntry).superRefine(keysMatching('group')).optional().describe('groups, by name'),
  roles: z.record(z.string(), roleEntry).superRefine(keysMatching('role')).optional().describe('identity-pool roles, by name'),
  roleMapping: roleMappingSection.optional().describe('the identity pool\'s ordered rules, default role and ambiguity choice'),
  providers: z.record(z.string(), providerEntry).superRefine(keysMatching('provider')).optional().describe('generic upstream OpenID Providers, by name'),
  attributes: z.record(z.string(), attributeEntry).superRefine(keysMatching('attribute')).optional().describe('custom attributes (claims custom:NAME), by name'),
  passwordPolicy: passwordPolicySection.optional(),
  mfa: z.strictObject({ mode: z.enum(MFA_MODES as readonly ['off', 'optional', 'required']) }).optional(),
  signUp: z.strictObject({
    enabled: z.boolean().default(true).describe('people may create their own account'),
    required: z.array(z.string().min(1).max(64)).max(32).default([]).describe('username, given_name, family_name or custom:NAME'),
  }).superRefine(checkSignUp).optional(),
  selfDelete: z.strictObject({ enabled: z.boolean().default(false).describe('users may delete their own account on the account page') }).optional(),
  theme: themeSection.optional(),
  emailTemplates: z.record(z.string(), emailTemplateEntry).superRefine(keysMatching('emailTemplate')).optional()
    .describe('mail templates by name (verify-email, reset-password, password-changed), replacing those in LATCHKEY_MAIL_TEMPLATES and views/mail'),
  users: z.array(userEntry).max(1000).superRefine(checkUsers).optional().describe('seed users: created when absent, their groups reconciled; never deleted'),
}).meta({ title: 'Latchkey configuration' });

export type ConfigDocument = z.output<typeof configDocumentSchema>;
export type ClientDocument = z.output<typeof clientEntry>;
export type GroupDocument = z.output<typeof groupEntry>;
export type RoleDocument = z.output<typeof roleEntry>;
export type RoleMappingDocument = z.output<typeof roleMappingSection>;
export type ProviderDocument = z.output<typeof providerEntry>;
export type AttributeDocument = z.output<typeof attributeEntry>;
export type PasswordPolicyDocument = z.output<typeof passwordPolicySection>;
export type UserDocument = z.output<typeof userEntry>;
export type EmailTemplateDocument = z.output<typeof emailTemplateEntry>;
export type SecretReference = z.output<typeof secretReference>;
