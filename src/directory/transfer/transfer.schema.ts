import { z } from 'zod';
import { PROFILE_CLAIMS } from '../attributes.js';

const text = (max: number) => z.string().max(max);
const profileShape = Object.fromEntries(PROFILE_CLAIMS.map((claim) => [claim, text(2048).nullable().optional()])) as Record<(typeof PROFILE_CLAIMS)[number], z.ZodOptional<z.ZodNullable<z.ZodString>>>;

/**
 * One line of the JSON Lines format: one user object. Every field is optional; an absent field leaves an
 * existing user's attribute as it is and `null` removes it (as an empty CSV cell). `created_at` and
 * `updated_at` are written by export for information and not read back.
 */
export const transferLineSchema = z.strictObject({
  id: z.uuid().optional(),
  username: text(256).nullable().optional(),
  email: text(320).nullable().optional(),
  email_verified: z.boolean().optional(),
  phone_number: text(32).nullable().optional(),
  phone_number_verified: z.boolean().optional(),
  profile: z.strictObject(profileShape).optional(),
  custom_attributes: z.record(z.string().max(64), z.union([text(2048), z.number(), z.boolean(), z.null()])).optional(),
  password_hash: text(4096).nullable().optional(),
  groups: z.array(text(128)).max(100).optional(),
  identities: z.array(z.strictObject({ provider: text(64), subject: text(255), issuer: text(2048).optional() })).max(20).optional(),
  status: z.enum(['confirmed', 'unconfirmed', 'reset_required']).optional(),
  enabled: z.boolean().optional(),
  created_at: z.string().optional(),
  updated_at: z.string().optional(),
});
export type TransferLine = z.infer<typeof transferLineSchema>;
