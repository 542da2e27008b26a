import { z } from 'zod';
import type { MfaMode } from '../../../directory/mfa/mfa-service.js';
import {
  MAX_PASSWORD_LENGTH_CEILING, MAX_PASSWORD_LENGTH_FLOOR, MIN_PASSWORD_LENGTH_FLOOR, TEMPORARY_PASSWORD_VALIDITY_DAYS_MAX, TEMPORARY_PASSWORD_VALIDITY_DAYS_MIN,
} from '../../../directory/password-policy.js';

export const passwordPolicySchema = z.object({
  min_length: z.number().int(),
  max_length: z.number().int(),
  require_lowercase: z.boolean(),
  require_uppercase: z.boolean(),
  require_digit: z.boolean(),
  require_symbol: z.boolean(),
  reject_common: z.boolean().describe('refuse common passwords, repetitions and simple sequences'),
  reject_personal: z.boolean().describe('refuse a password containing the user\'s username or e-mail address'),
  temporary_password_validity_days: z.number().int().describe('days an administrator\'s temporary password may be used for the first sign-in'),
  rules: z.array(z.object({ id: z.string(), text: z.string() })).describe('the active rules, as a form lists them'),
});

export const mfaModeSchema = z.object({ mode: z.enum(['off', 'optional', 'required'] as const satisfies readonly MfaMode[]).describe('optional: required only for members of groups that require it') });

export const signupSchema = z.object({
  enabled: z.boolean().describe('people may create their own account'),
  required: z.array(z.string()).describe('attributes the sign-up form requires besides e-mail and password'),
});

export const selfDeleteSchema = z.object({ enabled: z.boolean().describe('users may delete their own account on the account page') });

export const settingsSchema = z.object({
  password_policy: passwordPolicySchema,
  mfa_mode: mfaModeSchema.shape.mode,
  signup: signupSchema,
  self_delete: z.boolean(),
});

export const passwordPolicyBody = z.strictObject({
  min_length: z.number().int().min(MIN_PASSWORD_LENGTH_FLOOR).max(MAX_PASSWORD_LENGTH_CEILING).optional(),
  max_length: z.number().int().min(MAX_PASSWORD_LENGTH_FLOOR).max(MAX_PASSWORD_LENGTH_CEILING).optional(),
  require_lowercase: z.boolean().optional(),
  require_uppercase: z.boolean().optional(),
  require_digit: z.boolean().optional(),
  require_symbol: z.boolean().optional(),
  reject_common: z.boolean().optional(),
  reject_personal: z.boolean().optional(),
  temporary_password_validity_days: z.number().int().min(TEMPORARY_PASSWORD_VALIDITY_DAYS_MIN).max(TEMPORARY_PASSWORD_VALIDITY_DAYS_MAX).optional(),
}).describe('the whole policy: an option left out takes its default');

export const signupBody = z.strictObject({
  enabled: z.boolean().optional(),
  required: z.array(z.string().min(1).max(64)).max(32).optional().describe('username, given_name, family_name or custom:NAME; replaces the list'),
}).refine((b) => b.enabled !== undefined || b.required !== undefined, { message: 'give enabled, required or both' });
