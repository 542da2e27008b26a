import { z } from 'zod';
import { clientIdField, secretHashField, usernameField } from './cognito-fields.schema.js';

/** `ForgotPasswordRequest`. */
export const forgotPasswordSchema = z.object({
  ClientId: clientIdField,
  SecretHash: secretHashField,
  Username: usernameField,
});
export type ForgotPasswordRequest = z.infer<typeof forgotPasswordSchema>;
