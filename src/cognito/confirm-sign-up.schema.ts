import { z } from 'zod';
import { clientIdField, confirmationCodeField, secretHashField, usernameField } from './cognito-fields.schema.js';

/** `ConfirmSignUpRequest` (ForceAliasCreation has no meaning here: an address has one account). */
export const confirmSignUpSchema = z.object({
  ClientId: clientIdField,
  SecretHash: secretHashField,
  Username: usernameField,
  ConfirmationCode: confirmationCodeField,
});
export type ConfirmSignUpRequest = z.infer<typeof confirmSignUpSchema>;
