import { z } from 'zod';
import { clientIdField, secretHashField } from './cognito-fields.schema.js';

/** RevokeToken: a refresh token of this client (ClientSecret unused: public clients only). */
export const revokeTokenSchema = z.object({
  Token: z.string().min(1).max(16_384),
  ClientId: clientIdField,
  ClientSecret: secretHashField,
});
