import { z } from 'zod';
import { clientIdField, passwordField, secretHashField, usernameField } from './cognito-fields.schema.js';

/** One `AttributeType`: a standard claim (`email`, `given_name`, …) or a declared `custom:NAME`. */
export const attributeSchema = z.object({ Name: z.string().min(1).max(64), Value: z.string().max(2048) });

/** `SignUpRequest` (ValidationData, ClientMetadata, AnalyticsMetadata and UserContextData are dropped). */
export const signUpSchema = z.object({
  ClientId: clientIdField,
  SecretHash: secretHashField,
  Username: usernameField,
  Password: passwordField,
  UserAttributes: z.array(attributeSchema).max(64).optional(),
});
export type SignUpRequest = z.infer<typeof signUpSchema>;
