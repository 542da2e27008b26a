import { z } from 'zod';
import { clientIdField, secretHashField, usernameField } from './cognito-fields.schema.js';

/** `ResendConfirmationCodeRequest`. */
export const resendConfirmationCodeSchema = z.object({
  ClientId: clientIdField,
  SecretHash: secretHashField,
  Username: usernameField,
});
export type ResendConfirmationCodeRequest = z.infer<typeof resendConfirmationCodeSchema>;
