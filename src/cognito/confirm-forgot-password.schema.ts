import { z } from 'zod';
import { clientIdField, confirmationCodeField, passwordField, secretHashField, usernameField } from './cognito-fields.schema.js';

/** `ConfirmForgotPasswordRequest`. */
export const confirmForgotPasswordSchema = z.object({
  ClientId: clientIdField,
  SecretHash: secretHashField,
  Username: usernameField,
  ConfirmationCode: confirmationCodeField,
  Password: passwordField,
});
export type ConfirmForgotPasswordRequest = z.infer<typeof confirmForgotPasswordSchema>;
