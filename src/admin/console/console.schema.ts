import { z } from 'zod';
import { AUDIT_EVENT_TYPES } from '../../audit/audit-event.js';
import { csrfFormSchema } from '../../interaction/csrf.schema.js';

/** A field a form may send empty (an unselected filter): empty means absent. */
const optionalText = (max: number) => z.string().max(max).optional().transform((value) => (value === undefined || value.trim() === '' ? undefined : value.trim()));
/** A checkbox: present (any value) means on. */
const checkbox = z.string().max(8).optional().transform((value) => value !== undefined);

const userId = z.uuid({ error: 'is not a user id' });
const groupName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/, 'is not a group name');
const providerName = z.string().regex(/^[a-z][a-z0-9-]{0,31}$/, 'is not a provider name');
const clientId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'is not a client id');
const roleName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'is not a role name');

/** A page or form about one user: `/admin/users/:id...`. */
export const userParamsSchema = z.object({ id: userId });
export type UserParams = z.infer<typeof userParamsSchema>;
export const userFormSchema = csrfFormSchema.extend({ id: userId });
export type UserForm = z.infer<typeof userFormSchema>;

/** The users page's search: a prefix of the username or address, a state, and the keyset position. */
export const userSearchSchema = z.object({
  q: optionalText(254),
  state: z.enum(['', 'confirmed', 'unconfirmed', 'reset_required', 'disabled']).optional().transform((value) => value || undefined),
  after: optionalText(200),
});
export type UserSearchInput = z.infer<typeof userSearchSchema>;

export const userGroupFormSchema = userFormSchema.extend({ group: groupName });
export type UserGroupForm = z.infer<typeof userGroupFormSchema>;
export const userUnlinkFormSchema = userFormSchema.extend({ provider: providerName });
export type UserUnlinkForm = z.infer<typeof userUnlinkFormSchema>;
export const userAppFormSchema = userFormSchema.extend({ grant: z.string().min(1).max(128) });
export type UserAppForm = z.infer<typeof userAppFormSchema>;

/** The audit log's filters: a user (id, username or address), a type or a prefix (`password.`), a time range. */
export const auditSearchSchema = z.object({
  user: optionalText(254),
  type: optionalText(64).refine((value) => value === undefined || (AUDIT_EVENT_TYPES as readonly string[]).includes(value) || /^[a-z_]+\.$/.test(value), 'is not an event type'),
  since: optionalText(32),
  until: optionalText(32),
  outcome: z.enum(['', 'success', 'failure']).optional().transform((value) => value || undefined),
  before: z.string().regex(/^[1-9][0-9]{0,15}$/).optional().transform((value) => (value === undefined ? undefined : Number(value))),
});
export type AuditSearchInput = z.infer<typeof auditSearchSchema>;

export const groupCreateFormSchema = csrfFormSchema.extend({
  name: z.string().max(128).default(''),
  description: z.string().max(1024).default(''),
  precedence: z.string().regex(/^\d{0,10}$/, 'must be a whole number').default(''),
  role: optionalText(64),
});
export type GroupCreateForm = z.infer<typeof groupCreateFormSchema>;

export const groupParamsSchema = z.object({ name: groupName, after: userId.optional() });
export type GroupParams = z.infer<typeof groupParamsSchema>;
export const groupFormSchema = csrfFormSchema.extend({ name: groupName });
export type GroupForm = z.infer<typeof groupFormSchema>;
export const groupEditFormSchema = groupFormSchema.extend({
  description: z.string().max(1024).default(''),
  precedence: z.string().regex(/^\d{1,10}$/, 'must be a whole number'),
  role: optionalText(64),
});
export type GroupEditForm = z.infer<typeof groupEditFormSchema>;

export const clientParamsSchema = z.object({ id: clientId });
export type ClientParams = z.infer<typeof clientParamsSchema>;
export const clientFormSchema = csrfFormSchema.extend({ id: clientId });
export type ClientForm = z.infer<typeof clientFormSchema>;
/** Rotating a secret: how long the previous one keeps working (none, an hour, a day, a week). */
export const clientRotateFormSchema = clientFormSchema.extend({ grace: z.enum(['0', '3600', '86400', '604800']).default('86400') });
export type ClientRotateForm = z.infer<typeof clientRotateFormSchema>;
export const clientCreateFormSchema = csrfFormSchema.extend({
  name: z.string().max(256).default(''),
  redirect_uris: z.string().max(8192).default(''),
  public: checkbox,
  first_party: checkbox,
});
export type ClientCreateForm = z.infer<typeof clientCreateFormSchema>;

export const roleParamsSchema = z.object({ name: roleName });
export type RoleParams = z.infer<typeof roleParamsSchema>;
export const roleFormSchema = csrfFormSchema.extend({ name: roleName });
export type RoleForm = z.infer<typeof roleFormSchema>;
export const roleCreateFormSchema = csrfFormSchema.extend({
  name: z.string().max(64).default(''),
  description: z.string().max(1024).default(''),
  policy: z.string().max(8192).default(''),
  max_duration: z.string().regex(/^\d{0,6}$/, 'must be a number of seconds').default(''),
});
export type RoleCreateForm = z.infer<typeof roleCreateFormSchema>;

export const providerParamsSchema = z.object({ name: providerName });
export type ProviderParams = z.infer<typeof providerParamsSchema>;
export const providerFormSchema = csrfFormSchema.extend({ name: providerName });
export type ProviderForm = z.infer<typeof providerFormSchema>;

export const attributeFormSchema = csrfFormSchema.extend({
  name: z.string().max(64).default(''),
  type: z.enum(['string', 'number', 'boolean']).default('string'),
  required: checkbox,
  mutable: checkbox,
});
export type AttributeForm = z.infer<typeof attributeFormSchema>;

/** A role's settings form: every field sent, the service checks the policy and the duration. */
export const roleEditFormSchema = roleFormSchema.extend({
  description: z.string().max(1024).default(''),
  policy: z.string().max(8192).default(''),
  max_duration: z.string().regex(/^\d{1,6}$/, 'must be a number of seconds'),
});
export type RoleEditForm = z.infer<typeof roleEditFormSchema>;

/** A pool rule as the rules form sends it (the service checks the claim and the value). */
export const ruleAddFormSchema = csrfFormSchema.extend({
  claim: z.string().max(128).default(''),
  match: z.enum(['equals', 'contains', 'startsWith', 'notEqual'], { error: 'choose a match type' }),
  value: z.string().max(512, 'at most 512 characters').default(''),
  role: roleName,
});
export type RuleAddForm = z.infer<typeof ruleAddFormSchema>;

/** A rule by its position; the confirmation carries the rule it showed, so a shifted list removes nothing else. */
export const ruleParamsSchema = z.object({ position: z.string().regex(/^[1-9][0-9]?$/, 'is not a rule position').transform(Number) });
export type RuleParams = z.infer<typeof ruleParamsSchema>;
export const ruleRemoveFormSchema = csrfFormSchema.extend({
  position: ruleParamsSchema.shape.position,
  claim: z.string().max(128).default(''),
  match: z.string().max(16).default(''),
  value: z.string().max(512).default(''),
  role: z.string().max(64).default(''),
});
export type RuleRemoveForm = z.infer<typeof ruleRemoveFormSchema>;

/** The pool's default role (empty: none). */
export const defaultRoleFormSchema = csrfFormSchema.extend({ default_role: optionalText(64) });
export type DefaultRoleForm = z.infer<typeof defaultRoleFormSchema>;
export const ambiguityFormSchema = csrfFormSchema.extend({ mode: z.enum(['deny', 'default_role'], { error: 'choose deny or default_role' }) });
export type AmbiguityForm = z.infer<typeof ambiguityFormSchema>;

const attributeNameParam = z.string().regex(/^[a-z][a-z0-9_]{0,31}$/, 'is not an attribute name');
/** A bound the form may leave empty (no constraint); else a number the service then checks. */
const bound = (integer: boolean) => z.string().max(24).optional().transform((value) => (value === undefined || value.trim() === '' ? null : value.trim()))
  .refine((value) => value === null || (integer ? /^\d{1,9}$/ : /^-?\d{1,15}(\.\d{1,6})?$/).test(value), integer ? 'must be a whole number' : 'must be a number')
  .transform((value) => (value === null ? null : Number(value)));

export const attributeParamsSchema = z.object({ name: attributeNameParam });
export type AttributeParams = z.infer<typeof attributeParamsSchema>;
export const attributeNameFormSchema = csrfFormSchema.extend({ name: attributeNameParam });
export type AttributeNameForm = z.infer<typeof attributeNameFormSchema>;
/** The whole declaration as the change form sends it; `preview` asks for a dry run. */
export const attributeChangeFormSchema = attributeNameFormSchema.extend({
  type: z.enum(['string', 'number', 'boolean']),
  required: checkbox,
  mutable: checkbox,
  min_length: bound(true),
  max_length: bound(true),
  min_value: bound(false),
  max_value: bound(false),
  preview: checkbox,
});
export type AttributeChangeForm = z.infer<typeof attributeChangeFormSchema>;
export const attributeRenameFormSchema = attributeNameFormSchema.extend({ to: z.string().max(64).default('') });
export type AttributeRenameForm = z.infer<typeof attributeRenameFormSchema>;
/** Removal: `force` is the second confirmation, a box ticked to delete the values it still holds. */
export const attributeRemoveFormSchema = attributeNameFormSchema.extend({ force: checkbox });
export type AttributeRemoveForm = z.infer<typeof attributeRemoveFormSchema>;
