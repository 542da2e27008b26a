import { z } from 'zod';
import { accessTokenSchema } from './access-token.schema.js';
import { confirmationCodeField } from './cognito-fields.schema.js';

/** The attribute a code verifies: Latchkey's pools reach users by e-mail only. */
const attributeNameField = z.string().min(1).max(64);

/** `GetUserAttributeVerificationCodeRequest` (ClientMetadata is dropped). */
export const getUserAttributeVerificationCodeSchema = accessTokenSchema.extend({ AttributeName: attributeNameField });
export type GetUserAttributeVerificationCodeRequest = z.infer<typeof getUserAttributeVerificationCodeSchema>;

/** `VerifyUserAttributeRequest`. */
export const verifyUserAttributeSchema = accessTokenSchema.extend({ AttributeName: attributeNameField, Code: confirmationCodeField });
export type VerifyUserAttributeRequest = z.infer<typeof verifyUserAttributeSchema>;
