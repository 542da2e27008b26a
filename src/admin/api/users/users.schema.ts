import { z } from 'zod';
import { cursorParam, pageLimit, userRef } from '../common.schema.js';

const attributeMap = z.record(z.string().max(64), z.union([z.string().max(2048), z.number(), z.boolean()]));

export const userSchema = z.object({
  id: z.uuid(),
  username: z.string().nullable(),
  email: z.string().nullable(),
  email_verified: z.boolean(),
  phone_number: z.string().nullable(),
  status: z.enum(['unconfirmed', 'confirmed', 'reset_required']),
  enabled: z.boolean(),
  profile: z.record(z.string(), z.unknown()),
  custom_attributes: z.record(z.string(), z.unknown()),
  created_at: z.string().describe('ISO 8601'),
  updated_at: z.string(),
  last_login_at: z.string().nullable(),
  groups: z.array(z.string()).optional().describe('group names in precedence order (on single-user answers)'),
});

export const userListQuery = z.object({
  q: z.string().min(1).max(254).optional().describe('start of a username or e-mail address'),
  email: z.string().min(1).max(254).optional().describe('exact e-mail address'),
  username: z.string().min(1).max(128).optional().describe('exact username'),
  attribute: z.string().max(2100).regex(/^[A-Za-z][\w:]{0,70}=.*$/s, 'expected name=value').optional().describe('name=value: a custom attribute (custom:name) or profile claim equal to value'),
  status: z.enum(['unconfirmed', 'confirmed', 'reset_required']).optional(),
  enabled: z.enum(['true', 'false']).optional(),
  limit: pageLimit,
  cursor: cursorParam,
});

export const userListSchema = z.object({
  users: z.array(userSchema),
  next_cursor: z.string().nullable().describe('pass as `cursor` for the next page; null on the last page'),
});

export const createUserBody = z.strictObject({
  email: z.string().max(254).optional(),
  username: z.string().max(128).optional(),
  password: z.string().min(1).max(1024).optional().describe('checked against the pool\'s password policy; omit for a user who signs in through a provider or must reset'),
  email_verified: z.boolean().optional(),
  status: z.enum(['confirmed', 'unconfirmed']).optional().describe('default confirmed'),
  phone_number: z.string().max(32).optional(),
  profile: attributeMap.optional(),
  custom_attributes: attributeMap.optional(),
  groups: z.array(z.string().max(128)).max(100).optional(),
}).refine((b) => b.email !== undefined || b.username !== undefined, { message: 'email or username is required', path: ['email'] });

export const updateUserBody = z.strictObject({
  email: z.string().max(254).optional(),
  username: z.string().max(128).optional(),
  email_verified: z.boolean().optional(),
  profile: attributeMap.optional().describe('standard claims; an empty string removes one'),
  custom_attributes: attributeMap.optional(),
});

export const setPasswordBody = z.strictObject({
  password: z.string().min(1).max(1024),
});

export const userParams = userRef;
export const identityParams = userRef.extend({ provider: z.string().min(1).max(64) });

export const sessionListSchema = z.object({
  apps: z.array(z.object({ grant_id: z.string(), client_id: z.string(), granted_at: z.string(), last_used_at: z.string() })),
});

export const identitySchema = z.object({
  provider: z.string(), issuer: z.string(), subject: z.string(), email: z.string().nullable(), created_at: z.string(), last_sign_in_at: z.string(),
});
export const identityListSchema = z.object({ identities: z.array(identitySchema) });

export const mfaResetSchema = z.object({ user_id: z.uuid(), totp_removed: z.enum(['confirmed', 'pending']).nullable(), recovery_codes_removed: z.number().int() });
