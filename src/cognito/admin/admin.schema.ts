import { z } from 'zod';
import { passwordField, usernameField } from '../cognito-fields.schema.js';

/**
 * The admin operations' requests, bounded as Cognito bounds them (API reference, each request's "Length
 * Constraints"). Members Latchkey does not use (ClientMetadata, ValidationData) are accepted and dropped.
 */
const userPoolId = z.string().min(1).max(55);
const groupName = z.string().min(1).max(128);
const attribute = z.object({ Name: z.string().min(1).max(32), Value: z.string().max(2048).optional() });

export const userRequest = z.object({ UserPoolId: userPoolId, Username: usernameField });
export type UserRequest = z.infer<typeof userRequest>;

export const adminCreateUserRequest = userRequest.extend({
  UserAttributes: z.array(attribute).max(50).optional(),
  TemporaryPassword: passwordField.optional(),
  MessageAction: z.enum(['SUPPRESS', 'RESEND']).optional(),
  DesiredDeliveryMediums: z.array(z.enum(['EMAIL', 'SMS'])).max(2).optional(),
  ForceAliasCreation: z.boolean().optional(),
});
export type AdminCreateUserRequest = z.infer<typeof adminCreateUserRequest>;

export const adminUpdateUserAttributesRequest = userRequest.extend({ UserAttributes: z.array(attribute).min(1).max(50) });
export type AdminUpdateUserAttributesRequest = z.infer<typeof adminUpdateUserAttributesRequest>;

export const adminSetUserPasswordRequest = userRequest.extend({ Password: passwordField, Permanent: z.boolean().optional() });
export const groupMembershipRequest = userRequest.extend({ GroupName: groupName });

const limit = z.number().int().min(0).max(60).optional();
const paginationToken = z.string().min(1).max(512).optional();

export const adminListGroupsForUserRequest = userRequest.extend({ Limit: limit, NextToken: paginationToken });
export const listUsersRequest = z.object({
  UserPoolId: userPoolId,
  AttributesToGet: z.array(z.string().min(1).max(32)).max(50).optional(),
  Filter: z.string().max(256).optional(),
  Limit: limit,
  PaginationToken: paginationToken,
});
export type ListUsersRequest = z.infer<typeof listUsersRequest>;
export const listUsersInGroupRequest = z.object({ UserPoolId: userPoolId, GroupName: groupName, Limit: limit, NextToken: paginationToken });
