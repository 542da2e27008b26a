import { z } from 'zod';
import { MATCH_TYPES, MAX_RULES } from '../../../identity-pool/role-service.js';

const roleName = z.string().min(1).max(64);
const policy = z.record(z.string(), z.unknown()).describe('an IAM-style policy template (Version 2012-10-17, Statement), with ${sub}, ${username} and ${email} variables');
const maxDuration = z.number().int().positive().describe('longest session of credentials issued for the role, in seconds');

export const roleSchema = z.object({
  name: z.string(),
  description: z.string(),
  max_duration_seconds: z.number().int(),
  policy: z.unknown().describe('the policy template'),
  created_at: z.string().describe('ISO 8601'),
});

export const roleListSchema = z.object({ roles: z.array(roleSchema) });

export const roleParams = z.object({ role: roleName.describe('the role\'s name') });

export const createRoleBody = z.strictObject({
  name: roleName,
  policy,
  max_duration_seconds: maxDuration.optional().describe('default 3600'),
  description: z.string().max(2048).optional(),
});

export const updateRoleBody = z.strictObject({
  policy: policy.optional(),
  max_duration_seconds: maxDuration.optional(),
  description: z.string().max(2048).optional(),
}).refine((b) => Object.values(b).some((v) => v !== undefined), { message: 'give at least one of policy, max_duration_seconds, description' });

export const deleteRoleQuery = z.object({
  force: z.enum(['true', 'false']).optional().describe('true: detach the role from groups, rules and the default role first (else 409 while in use)'),
});

const rule = z.strictObject({
  claim: z.string().min(1).max(128).describe('a claim of the web-identity token (`groups`, `email`, `custom:dept`)'),
  match: z.enum(MATCH_TYPES),
  value: z.string().max(512),
  role: roleName,
});

export const roleMappingSchema = z.object({
  rules: z.array(z.object({ position: z.number().int(), claim: z.string(), match: z.enum(MATCH_TYPES), value: z.string(), role: z.string() })).describe('first match wins'),
  default_role: z.string().nullable().describe('the role of a user no rule or group gives one'),
  ambiguous_role_resolution: z.enum(['deny', 'default_role']).describe('when several roles apply and none was asked for'),
});

export const replaceRoleMappingBody = z.strictObject({
  rules: z.array(rule).max(MAX_RULES).describe('the whole ordered list (first match wins)'),
  default_role: roleName.nullable(),
  ambiguous_role_resolution: z.enum(['deny', 'default_role']),
});

/** The identity pool's role for guests (Cognito's unauthenticated role); null: guests are refused. */
export const guestRoleSchema = z.object({
  guest_role: z.string().nullable().describe('the role of guests of the Cognito identity-pool API (GetId without logins); null: no guests'),
});

export const setGuestRoleBody = z.strictObject({
  guest_role: roleName.nullable(),
});
