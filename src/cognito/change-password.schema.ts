import type { z } from 'zod';
import { passwordField } from './cognito-fields.schema.js';
import { accessTokenSchema } from './access-token.schema.js';

/** `ChangePasswordRequest`: the signed-in user's current password and the one to replace it. */
export const changePasswordSchema = accessTokenSchema.extend({
  PreviousPassword: passwordField,
  ProposedPassword: passwordField,
});
export type ChangePasswordRequest = z.infer<typeof changePasswordSchema>;
