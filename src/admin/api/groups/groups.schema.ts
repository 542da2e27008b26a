import { z } from 'zod';
import { cursorParam, pageLimit, userRef } from '../common.schema.js';

const groupName = z.string().min(1).max(128).describe('the group\'s name');
const description = z.string().max(2048);
const precedence = z.number().int().min(0).max(2_147_483_647).describe('lower wins: the group with the lowest precedence picks the preferred role');
const role = z.string().min(1).max(64).nullable().describe('identity-pool role its members may assume; null: none');

export const groupSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  description: z.string(),
  precedence: z.number().int(),
  role: z.string().nullable(),
  members: z.number().int().describe('how many users are in the group'),
  created_at: z.string().describe('ISO 8601'),
});

export const groupListSchema = z.object({ groups: z.array(groupSchema) });

export const groupParams = z.object({ group: groupName });
export const groupMemberParams = groupParams.extend(userRef.shape);

export const createGroupBody = z.strictObject({
  name: groupName,
  description: description.optional(),
  precedence: precedence.optional().describe('default 0'),
  role: role.optional(),
});

export const updateGroupBody = z.strictObject({
  description: description.optional(),
  precedence: precedence.optional(),
  role: role.optional(),
}).refine((b) => Object.values(b).some((v) => v !== undefined), { message: 'give at least one of description, precedence, role' });

export const memberListQuery = z.object({ limit: pageLimit, cursor: cursorParam });

export const memberSchema = z.object({
  user_id: z.uuid(),
  username: z.string().nullable(),
  email: z.string().nullable(),
  granted_by_provider: z.string().nullable().describe('the provider whose group rule granted the membership; null: granted by an administrator'),
  added_at: z.string(),
});

export const memberListSchema = z.object({
  members: z.array(memberSchema),
  next_cursor: z.string().nullable().describe('pass as `cursor` for the next page; null on the last page'),
});

export const membershipSchema = z.object({
  group: z.string(),
  user_id: z.uuid(),
  changed: z.boolean().describe('false when the user already was a member'),
});
