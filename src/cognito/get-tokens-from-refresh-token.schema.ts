import { z } from 'zod';
import { clientIdField, secretHashField } from './cognito-fields.schema.js';

/** GetTokensFromRefreshToken (ClientSecret and DeviceKey are not used: public clients, no devices). */
export const getTokensFromRefreshTokenSchema = z.object({
  ClientId: clientIdField,
  ClientSecret: secretHashField,
  RefreshToken: z.string().min(1).max(16_384),
});
