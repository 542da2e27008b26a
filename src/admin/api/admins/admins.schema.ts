import { z } from 'zod';
import { userRef } from '../common.schema.js';

export const adminMemberSchema = z.object({
  user_id: z.uuid(),
  username: z.string().nullable(),
  email: z.string().nullable(),
  access: z.enum(['admin', 'read']).describe('`admin`: read and change; `read`: read only'),
  granted_at: z.string().describe('ISO 8601'),
});

export const adminMemberListSchema = z.object({ admins: z.array(adminMemberSchema) });

export const adminParams = userRef;

export const grantAdminBody = z.strictObject({
  access: z.enum(['admin', 'read']).describe('`admin`: full access; `read`: read-only'),
});

export const grantedAdminSchema = z.object({
  user_id: z.uuid(),
  access: z.enum(['admin', 'read']),
  changed: z.boolean().describe('false when the user already had this access'),
});
